package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"testing"

	"github.com/zalando/go-keyring"
)

// realKeyringEnv enables TestKeyringRealSecretService. CI sets it inside
// dbus-run-session with gnome-keyring-daemon unlocked:
//
//	dbus-run-session -- sh -c 'echo -n pw | gnome-keyring-daemon --unlock --components=secrets;
//	    TIP_CLI_TEST_KEYRING=1 go test ./internal/store/ -run Keyring -v'
const realKeyringEnv = "TIP_CLI_TEST_KEYRING"

// realKeyringChildEnv marks the child process that talks to the keyring.
const realKeyringChildEnv = "TIP_CLI_TEST_KEYRING_CHILD"

// TestKeyringRealSecretService round-trips a 20 KB bundle through the real
// OS keyring (go-keyring, no mock), inline and chunked, and deletes it. It
// runs in a child process because other tests swap go-keyring's global
// provider for its mock.
func TestKeyringRealSecretService(t *testing.T) {
	if os.Getenv(realKeyringEnv) != "1" {
		t.Skipf("set %s=1 to test against the real OS keyring", realKeyringEnv)
	}
	if os.Getenv(realKeyringChildEnv) == "1" {
		realKeyringRoundTrip(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestKeyringRealSecretService$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), realKeyringChildEnv+"=1")
	out, err := cmd.CombinedOutput()
	t.Logf("child:\n%s", out)
	if err != nil {
		t.Fatalf("real keyring child failed: %v", err)
	}
}

func realKeyringRoundTrip(t *testing.T) {
	ctx := context.Background()
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	profile := "test-" + hex.EncodeToString(rnd[:])
	for _, limit := range []int{DefaultChunkLimit(runtime.GOOS), 2048} {
		s := NewKeyringStore(runtime.GOOS)
		s.ChunkLimit = limit
		t.Cleanup(func() { _ = s.Delete(context.Background(), profile) })
		first, second := bundleWithPayload(t, "r1", 20<<10), bundleWithPayload(t, "r2", 20<<10)
		for _, want := range []*Bundle{first, second} {
			if err := s.Put(ctx, profile, want); err != nil {
				t.Fatalf("limit %d: put: %v", limit, err)
			}
			got, err := s.Get(ctx, profile)
			if err != nil {
				t.Fatalf("limit %d: get: %v", limit, err)
			}
			assertBundle(t, got, want)
		}
		if err := s.Delete(ctx, profile); err != nil {
			t.Fatalf("limit %d: delete: %v", limit, err)
		}
		if got, err := s.Get(ctx, profile); got != nil || err != nil {
			t.Fatalf("limit %d: after delete: %v, %v", limit, got, err)
		}
		for _, user := range []string{profile, chunkName(profile, 1, 0), chunkName(profile, 2, 0), chunkName(profile, 2, 9)} {
			if _, err := keyring.Get(KeyringService, user); !errors.Is(err, keyring.ErrNotFound) {
				t.Errorf("limit %d: item %s survived Delete: %v", limit, user, err)
			}
		}
		t.Logf("limit %d: 20 KB bundle round-tripped and deleted", limit)
	}
	realAutoStore(t, profile)
}

// realAutoStore checks that the automatic backend picks the working
// keyring and leaves no secret in files.
func realAutoStore(t *testing.T, profile string) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(OpenOptions{Dir: dir, Getenv: os.Getenv, Warn: os.Stderr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Delete(context.Background(), profile) })
	want := sampleBundle("auto")
	if err := s.Put(ctx, profile, want); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, profile)
	if err != nil {
		t.Fatal(err)
	}
	assertBundle(t, got, want)
	if s.Name() != "keyring" {
		t.Errorf("automatic backend %q, want keyring", s.Name())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files written under the config dir while the keyring works: %v", entries)
	}
}
