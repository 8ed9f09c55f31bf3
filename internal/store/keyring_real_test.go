package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"testing"

	"github.com/tip-cli/tip-cli/internal/store/keyringerr"
	"github.com/tip-cli/tip-cli/internal/store/oskeyring"
)

// realKeyringEnv enables TestKeyringRealSecretService. CI sets it inside
// dbus-run-session with gnome-keyring-daemon unlocked:
//
//	dbus-run-session -- sh -c 'echo -n pw | gnome-keyring-daemon --unlock --components=secrets;
//	    TIP_CLI_TEST_KEYRING=1 go test ./internal/store/ -run Keyring -v'
const realKeyringEnv = "TIP_CLI_TEST_KEYRING"

// realKeyringChildEnv marks the child process that talks to the keyring.
const realKeyringChildEnv = "TIP_CLI_TEST_KEYRING_CHILD"

// TestKeyringRealSecretService runs the v2 store and the v1 migration
// against the real OS keyring (go-keyring, no fake). It runs in a child
// process so that nothing else in the test binary has touched go-keyring.
func TestKeyringRealSecretService(t *testing.T) {
	if os.Getenv(realKeyringEnv) != "1" {
		t.Skipf("set %s=1 to test against the real OS keyring", realKeyringEnv)
	}
	if os.Getenv(realKeyringChildEnv) == "1" {
		realKeyringV2(t, randomProfile())
		for _, limit := range []int{ItemLimit("linux"), ItemLimit("darwin"), ItemLimit("windows")} {
			realKeyringMigration(t, randomProfile(), limit)
		}
		realAutoStore(t, randomProfile())
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

func randomProfile() string {
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	return "test-" + hex.EncodeToString(rnd[:])
}

// realKeyringV2: a 20 KB bundle and one with 5 scopes and 20 grants round
// trip; the keyring holds only the key; the warm read is one keyring read;
// Delete leaves nothing.
func realKeyringV2(t *testing.T, profile string) {
	ctx := context.Background()
	dir := t.TempDir()
	s := NewKeyringStore(dir, oskeyring.New())
	t.Cleanup(func() { _ = s.Delete(context.Background(), profile) })
	for _, want := range []*Bundle{bundleWithPayload(t, "r1", 20<<10), bigBundle("r2")} {
		if err := s.Put(ctx, profile, want); err != nil {
			t.Fatalf("put: %v", err)
		}
		warm := NewKeyringStore(dir, oskeyring.New())
		if sv, err := warm.GetServed(ctx, profile); err != nil || sv == nil {
			t.Fatalf("served: %v, %v", sv, err)
		}
		if st := warm.Stats(); st != (Stats{KeyringReads: 1, FileReads: 1, Decryptions: 1}) {
			t.Errorf("warm read stats %+v", st)
		}
		got, err := s.Get(ctx, profile)
		if err != nil {
			t.Fatalf("get: %v", err)
		}
		assertBundle(t, got, want)
		assertNoSecretOnDisk(t, dir, secretsOf(want))
		if _, err := oskeyring.New().Get(KeyringService, profile); !errors.Is(err, keyringerr.ErrNotFound) {
			t.Errorf("a v1 manifest exists: %v", err)
		}
	}
	if err := s.Delete(ctx, profile); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := oskeyring.New().Get(KeyringService, itemOf(t, s, profile)); !errors.Is(err, keyringerr.ErrNotFound) {
		t.Errorf("key survived Delete: %v", err)
	}
	if got, err := s.Get(ctx, profile); got != nil || err != nil {
		t.Fatalf("after delete: %v, %v", got, err)
	}
	t.Logf("v2: bundles round-tripped, warm read = 1 keyring read, deleted")
}

// realKeyringMigration writes a v1 bundle (chunked below limit) to the real
// keyring, reads it through v2 and checks the v1 items are gone.
func realKeyringMigration(t *testing.T, profile string, limit int) {
	ctx := context.Background()
	dir := t.TempDir()
	want := bundleWithPayload(t, "m", 6<<10)
	writeV1(t, oskeyring.New(), profile, want, limit, 1)
	s := NewKeyringStore(dir, oskeyring.New())
	t.Cleanup(func() { _ = s.Delete(context.Background(), profile) })
	got, err := s.Get(ctx, profile)
	if err != nil {
		t.Fatalf("limit %d: migrate: %v", limit, err)
	}
	assertBundle(t, got, want)
	for _, user := range []string{profile, chunkName(profile, 1, 0), chunkName(profile, 1, 2)} {
		if _, err := oskeyring.New().Get(KeyringService, user); !errors.Is(err, keyringerr.ErrNotFound) {
			t.Errorf("limit %d: v1 item %s survived the migration: %v", limit, user, err)
		}
	}
	warm := NewKeyringStore(dir, oskeyring.New())
	if _, err := warm.GetServed(ctx, profile); err != nil || warm.Stats().KeyringReads != 1 {
		t.Errorf("limit %d: after migration: %v, %+v", limit, err, warm.Stats())
	}
	assertNoSecretOnDisk(t, dir, secretsOf(want))
	t.Logf("limit %d: v1 bundle migrated to v2 and its items deleted", limit)
}

// realAutoStore checks that the automatic backend picks the working
// keyring and leaves no secret in files.
func realAutoStore(t *testing.T, profile string) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(OpenOptions{Dir: dir, Getenv: os.Getenv, Warn: os.Stderr, Keyring: oskeyring.New()})
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
	assertNoSecretOnDisk(t, dir, secretsOf(want))
}
