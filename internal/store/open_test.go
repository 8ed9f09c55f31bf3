package store

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tip-cli/tip-cli/internal/store/keyringerr"

	"github.com/tip-cli/tip-cli/internal/store/storetest"
)

func TestOpenSelectsBackend(t *testing.T) {
	busDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(busDir, "bus"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		backend string
		goos    string
		env     map[string]string
		runDir  string
		noDir   bool
		want    string // Go type, or "error"
		warns   bool
	}{
		{name: "forced file", backend: "file", goos: "darwin", want: "*store.FileStore"},
		{name: "forced keyring", backend: "keyring", goos: "linux", want: "*store.KeyringStore"},
		{name: "forced keyring needs a dir (sealed files)", backend: "keyring", goos: "linux", noDir: true, want: "error"},
		{name: "invalid value", backend: "vault", goos: "linux", want: "error"},
		{name: "uppercase is invalid", backend: "FILE", goos: "linux", want: "error"},
		{name: "file without dir", backend: "file", goos: "linux", noDir: true, want: "error"},
		{name: "darwin", goos: "darwin", want: "*store.KeyringStore"},
		{name: "windows", goos: "windows", want: "*store.KeyringStore"},
		{name: "linux without bus", goos: "linux", want: "*store.FileStore", warns: true},
		{name: "freebsd without bus", goos: "freebsd", want: "*store.FileStore", warns: true},
		{name: "autolaunch address is no bus", goos: "linux",
			env: map[string]string{"DBUS_SESSION_BUS_ADDRESS": "autolaunch:"}, want: "*store.FileStore", warns: true},
		{name: "XDG_RUNTIME_DIR alone is not trusted", goos: "linux",
			env: map[string]string{"XDG_RUNTIME_DIR": busDir}, want: "*store.FileStore", warns: true},
		{name: "linux with bus address", goos: "linux",
			env: map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent"}, want: "*store.autoStore"},
		{name: "linux with bus socket", goos: "linux", runDir: busDir, want: "*store.autoStore"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.noDir {
				dir = ""
			}
			var warn bytes.Buffer
			s, err := open(OpenOptions{
				Dir: dir, Backend: tt.backend, GOOS: tt.goos, Warn: &warn,
				Getenv: func(k string) string { return tt.env[k] },
			}, tt.runDir)
			if tt.want == "error" {
				if err == nil {
					t.Fatalf("want error, got %T", s)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := typeName(s); got != tt.want {
				t.Errorf("backend %s, want %s", got, tt.want)
			}
			if got := warn.Len() > 0; got != tt.warns {
				t.Errorf("warned=%v (%q), want %v", got, warn.String(), tt.warns)
			}
		})
	}
	if _, err := open(OpenOptions{Backend: "vault"}, ""); err == nil || !strings.Contains(err.Error(), "TIP_CLI_STORE") {
		t.Errorf("invalid backend error should name TIP_CLI_STORE: %v", err)
	}
}

func typeName(s Store) string {
	switch s.(type) {
	case *FileStore:
		return "*store.FileStore"
	case *KeyringStore:
		return "*store.KeyringStore"
	case *autoStore:
		return "*store.autoStore"
	}
	return "other"
}

func TestOpenWarnsOnce(t *testing.T) {
	dir := t.TempDir()
	var warn bytes.Buffer
	opts := OpenOptions{Dir: dir, GOOS: "linux", Warn: &warn, Getenv: func(string) string { return "" }}
	for range 2 {
		s, err := open(opts, "")
		if err != nil {
			t.Fatal(err)
		}
		if s.Name() != "file" {
			t.Fatalf("Name = %q", s.Name())
		}
	}
	if n := strings.Count(warn.String(), "warning"); n != 1 {
		t.Fatalf("%d warnings across two Opens, want 1: %q", n, warn.String())
	}
	fi, err := os.Stat(filepath.Join(dir, warnMarkerName))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("marker mode %o", fi.Mode().Perm())
	}
}

func newTestAuto(t *testing.T, fake *storetest.Keyring, warn *bytes.Buffer) (*autoStore, string) {
	dir := t.TempDir()
	return &autoStore{
		keyring: NewKeyringStore(dir, fake),
		file:    NewFileStore(dir),
		warn:    func(err error) { warnFileStore(dir, warn, "OS keyring unreachable ("+err.Error()+")") },
	}, dir
}

func TestAutoStoreFallsBackOnFirstUse(t *testing.T) {
	ctx := context.Background()
	fake := storetest.NewKeyring(2048)
	fake.Fail(errors.New("org.freedesktop.DBus.Error.ServiceUnknown"))
	var warn bytes.Buffer
	a, dir := newTestAuto(t, fake, &warn)
	if a.Name() != "keyring" {
		t.Errorf("Name before first use = %q", a.Name())
	}
	if got, err := a.Get(ctx, "p"); got != nil || err != nil {
		t.Fatalf("get: %v, %v", got, err)
	}
	if a.Name() != "file" {
		t.Errorf("Name after fallback = %q", a.Name())
	}
	calls := func() int { g, s, d := fake.Counts(); return g + s + d }
	before := calls()
	want := sampleBundle("a")
	if err := a.Put(ctx, "p", want); err != nil {
		t.Fatal(err)
	}
	got, err := a.Get(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	assertBundle(t, got, want)
	if calls() != before {
		t.Error("keyring touched again after falling back")
	}
	if !strings.Contains(warn.String(), "ServiceUnknown") || strings.Count(warn.String(), "warning") != 1 {
		t.Errorf("warning %q", warn.String())
	}
	if err := a.Delete(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, SecretsDirName, "p.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("file survived Delete: %v", err)
	}
}

func TestAutoStoreNeverWritesFilesWhileKeyringWorks(t *testing.T) {
	ctx := context.Background()
	fake := storetest.NewKeyring(2048)
	var warn bytes.Buffer
	a, dir := newTestAuto(t, fake, &warn)
	// A copy left in files by an earlier fallback is removed by the next
	// keyring write.
	if err := a.file.Put(ctx, "p", sampleBundle("stale")); err != nil {
		t.Fatal(err)
	}
	want := sampleBundle("secretvalue")
	if err := a.Put(ctx, "p", want); err != nil {
		t.Fatal(err)
	}
	got, err := a.Get(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	assertBundle(t, got, want)
	// The keyring now fails: the error surfaces, nothing goes to files.
	fake.Fail(errors.New("locked"))
	if err := a.Put(ctx, "p", sampleBundle("secretvalue2")); err == nil {
		t.Fatal("want keyring error once the keyring has worked")
	}
	if _, err := a.Get(ctx, "p"); err == nil {
		t.Fatal("want keyring error on get")
	}
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := os.ReadFile(path)
			if bytes.Contains(data, []byte("secretvalue")) || bytes.Contains(data, []byte("stale")) {
				t.Errorf("%s holds a secret while the keyring works", path)
			}
		}
		return nil
	})
	if warn.Len() != 0 || a.Name() != "keyring" {
		t.Errorf("warned %q, Name %q", warn.String(), a.Name())
	}
}

func TestAutoStoreDoesNotFallBackOnDataErrors(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		err  error
		ctx  func() context.Context
	}{
		{"data too big", keyringerr.ErrTooBig, context.Background},
		{"cancelled", nil, func() context.Context {
			c, cancel := context.WithCancel(ctx)
			cancel()
			return c
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fake := storetest.NewKeyring(2048)
			fake.Fail(tt.err)
			var warn bytes.Buffer
			a, _ := newTestAuto(t, fake, &warn)
			if err := a.Put(tt.ctx(), "p", sampleBundle("a")); err == nil {
				t.Fatal("want error")
			}
			if got, _ := a.file.Get(ctx, "p"); got != nil || a.Name() != "keyring" || warn.Len() != 0 {
				t.Errorf("fell back to files: file=%v name=%s warn=%q", got != nil, a.Name(), warn.String())
			}
		})
	}
}

func TestAutoStoreDeleteRemovesBoth(t *testing.T) {
	ctx := context.Background()
	fake := storetest.NewKeyring(2048)
	a, _ := newTestAuto(t, fake, &bytes.Buffer{})
	if err := a.keyring.Put(ctx, "p", sampleBundle("k")); err != nil {
		t.Fatal(err)
	}
	if err := a.file.Put(ctx, "p", sampleBundle("f")); err != nil {
		t.Fatal(err)
	}
	if err := a.Delete(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	kb, _ := a.keyring.Get(ctx, "p")
	fb, _ := a.file.Get(ctx, "p")
	if kb != nil || fb != nil {
		t.Errorf("after Delete: keyring=%v file=%v", kb != nil, fb != nil)
	}
}
