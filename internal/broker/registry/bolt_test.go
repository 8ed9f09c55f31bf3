package registry_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tip-cli/tip-cli/internal/broker/registry"
	"github.com/tip-cli/tip-cli/internal/broker/registry/registrytest"
)

func openBolt(t *testing.T, path string) *registry.Bolt {
	t.Helper()
	b, err := registry.OpenBolt(path)
	if err != nil {
		t.Fatalf("OpenBolt: %v", err)
	}
	return b
}

func TestBoltConformance(t *testing.T) {
	registrytest.Run(t, func(t *testing.T) registry.Store {
		return openBolt(t, filepath.Join(t.TempDir(), "registry.db"))
	})
}

func TestBoltReopenPersists(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "registry.db")
	b := openBolt(t, path)
	kept, gone := registrytest.App(1), registrytest.App(2)
	for _, app := range []registry.Application{kept, gone} {
		if _, err := b.Put(ctx, app); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Delete(ctx, gone.RoleARN); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}

	b = openBolt(t, path)
	defer b.Close()
	got, err := b.Get(ctx, kept.RoleARN)
	if err != nil {
		t.Fatalf("Get after reopen: %v", err)
	}
	registrytest.Equal(t, got, kept)
	if _, err := b.Get(ctx, gone.RoleARN); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("deleted app after reopen: err = %v, want ErrNotFound", err)
	}
	if replaced, err := b.Put(ctx, kept); err != nil || !replaced {
		t.Errorf("Put after reopen = %v, %v; want replaced", replaced, err)
	}
}

func TestBoltLockedFileFailsFast(t *testing.T) {
	path := filepath.Join(t.TempDir(), "registry.db")
	b := openBolt(t, path)
	defer b.Close()

	start := time.Now()
	second, err := registry.OpenBolt(path)
	elapsed := time.Since(start)
	if err == nil {
		second.Close()
		t.Fatal("second OpenBolt of a held file succeeded")
	}
	if !strings.Contains(err.Error(), "locked by another process") || !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not say the file is locked", err)
	}
	if elapsed > 5*time.Second {
		t.Errorf("second open took %s, want about 1s", elapsed)
	}
}

func TestBoltFileMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "registry.db")
	openBolt(t, path).Close()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("file mode = %o, want 600", mode)
	}
}

func TestBoltOpenErrors(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, []byte(strings.Repeat("not a bolt file ", 1000)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{filepath.Join(dir, "missing", "registry.db"), garbage} {
		if b, err := registry.OpenBolt(path); err == nil {
			b.Close()
			t.Errorf("OpenBolt(%s) succeeded", path)
		} else if !strings.Contains(err.Error(), path) {
			t.Errorf("error %q does not name the file", err)
		}
	}
}

// TestBoltStoredItemChecked: a value tampered with outside tip-broker is
// refused on read, not used.
func TestBoltStoredItemChecked(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "registry.db")
	app := registrytest.App(1)
	b := openBolt(t, path)
	if _, err := b.Put(ctx, app); err != nil {
		t.Fatal(err)
	}
	b.Close()

	tests := []struct{ name, value string }{
		{"not json", "{"},
		{"reserved tag key", `{"RoleARN":"` + app.RoleARN + `","AccessRoleName":"A","SessionTagKey":"aws:x",` +
			`"JWTClaimName":"c","JWKSetURL":"https://x/j","CreatedAt":"2025-01-01T00:00:00Z"}`},
		{"key mismatch", `{"RoleARN":"arn:aws:iam::999999999999:role/Other","AccessRoleName":"A",` +
			`"SessionTagKey":"k","JWTClaimName":"c","JWKSetURL":"https://x/j","CreatedAt":"2025-01-01T00:00:00Z"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			writeRaw(t, path, app.RoleARN, tc.value)
			b := openBolt(t, path)
			defer b.Close()
			_, err := b.Get(ctx, app.RoleARN)
			var verr *registry.ValidationError
			if err == nil || errors.Is(err, registry.ErrNotFound) || errors.As(err, &verr) {
				t.Errorf("Get of tampered item err = %v, want a storage error", err)
			}
		})
	}
}

func writeRaw(t *testing.T, path, key, value string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("applications")).Put([]byte(key), []byte(value))
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestBoltClosed(t *testing.T) {
	b := openBolt(t, filepath.Join(t.TempDir(), "registry.db"))
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Put(context.Background(), registrytest.App(1)); err == nil {
		t.Error("Put on a closed store succeeded")
	}
}
