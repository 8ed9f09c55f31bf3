package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tip-cli/tip-cli/internal/store/storetest"
)

// TestLockedKeyringNeverDowngrades is issue 22 item 4: once a config
// directory's secrets are in the keyring (a sealed file exists), a keyring
// that cannot be reached — locked, its service gone, or no session bus at
// all — makes every store call fail with the way out, every time, in
// every new process; nothing is written to plaintext files.
func TestLockedKeyringNeverDowngrades(t *testing.T) {
	ctx := context.Background()
	busDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(busDir, "bus"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		runDir string // "" = no session bus
		logout bool   // every profile signed out first: no sealed file left
	}{{"keyring locked", busDir, false}, {"no session bus", "", false},
		{"keyring locked after logout", busDir, true}, {"no session bus after logout", "", true}} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			kr := storetest.NewKeyring(0)
			if err := NewKeyringStore(dir, kr).Put(ctx, "p", sampleBundle("kept")); err != nil {
				t.Fatal(err)
			}
			if tt.logout {
				if err := NewKeyringStore(dir, kr).Delete(ctx, "p"); err != nil {
					t.Fatal(err)
				}
			}
			kr.Fail(errors.New("org.freedesktop.Secret.Error.IsLocked"))
			for i := range 3 { // three processes
				var warn bytes.Buffer
				s, err := open(OpenOptions{Dir: dir, GOOS: "linux", Keyring: kr, Warn: &warn,
					Getenv: func(string) string { return "" }}, tt.runDir)
				if err != nil {
					t.Fatal(err)
				}
				for name, call := range map[string]func() error{
					"put":    func() error { return s.Put(ctx, "p", sampleBundle("new")) },
					"put q":  func() error { return s.Put(ctx, "q", sampleBundle("new")) },
					"get":    func() error { _, err := s.Get(ctx, "p"); return err },
					"served": func() error { _, err := s.GetServed(ctx, "p"); return err },
					"delete": func() error { return s.Delete(ctx, "p") },
				} {
					err := call()
					if err == nil || !strings.Contains(err.Error(), "unlock your keyring or set TIP_CLI_STORE=file") {
						t.Errorf("run %d %s: err = %v; want the way out", i, name, err)
					}
				}
			}
			for _, name := range []string{"p.json", "q.json"} {
				if _, err := os.Lstat(filepath.Join(dir, SecretsDirName, name)); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s written while the keyring is locked: %v", name, err)
				}
			}
			if _, err := os.Lstat(filepath.Join(dir, SecretsDirName, "p.sealed")); (err != nil) != tt.logout {
				t.Errorf("sealed file: %v (signed out: %v)", err, tt.logout)
			}
		})
	}
}

// TestNoKeyringHistoryStillFallsBack: a directory that never used the
// keyring keeps the once-only warning and the file store.
func TestNoKeyringHistoryStillFallsBack(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	kr := storetest.NewKeyring(0)
	kr.Fail(errors.New("org.freedesktop.DBus.Error.ServiceUnknown"))
	var warn bytes.Buffer
	for range 2 {
		s, err := open(OpenOptions{Dir: dir, GOOS: "linux", Keyring: kr, Warn: &warn,
			Getenv: func(k string) string { return map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}[k] }}, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Put(ctx, "p", sampleBundle("f")); err != nil {
			t.Fatal(err)
		}
	}
	if n := strings.Count(warn.String(), "warning"); n != 1 {
		t.Errorf("%d warnings, want 1: %q", n, warn.String())
	}
}

// TestKeyringLockedAfterItAnsweredExplains: a keyring that answered and is
// then locked (a key from the kernel cache got the call that far) fails
// with the same way out, and still writes nothing to files.
func TestKeyringLockedAfterItAnsweredExplains(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	kr := storetest.NewKeyring(0)
	s, err := open(OpenOptions{Dir: dir, GOOS: "linux", Keyring: kr, Warn: &bytes.Buffer{},
		Getenv: func(k string) string { return map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}[k] }}, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "p", sampleBundle("a")); err != nil {
		t.Fatal(err)
	}
	kr.Fail(errors.New("failed to unlock correct collection"))
	err = s.Put(ctx, "p", sampleBundle("b"))
	var ku *keyringUnreachableError
	if !errors.As(err, &ku) || !strings.Contains(err.Error(), "unlock your keyring or set TIP_CLI_STORE=file") ||
		!strings.Contains(err.Error(), "failed to unlock correct collection") {
		t.Fatalf("put on a keyring locked since: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(dir, SecretsDirName, "p.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("plaintext written: %v", err)
	}
}
