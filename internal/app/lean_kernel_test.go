//go:build linux

package app

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tip-cli/tip-cli/internal/store"
	"github.com/tip-cli/tip-cli/internal/store/storetest"
)

// busCounter listens where DBUS_SESSION_BUS_ADDRESS will point and counts
// the connections made to it (each is closed at once: no bus answers).
type busCounter struct {
	addr  string
	conns atomic.Int64
}

func newBusCounter(t *testing.T) *busCounter {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bus")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	b := &busCounter{addr: "unix:path=" + path}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			b.conns.Add(1)
			_ = c.Close()
		}
	}()
	return b
}

// TestLeanKernelCacheNoDBus (#23): with the keyring store and the profile's
// key in the kernel keyring cache, the lean binary answers a warm call
// itself, byte for byte as with the file store, and connects to the D-Bus
// session bus zero times (counted at a bus address the test controls). On
// a cache miss it hands the call to tip-cli, which does connect: the
// counter sees it, so the zero is not for want of counting.
func TestLeanKernelCacheNoDBus(t *testing.T) {
	cache := store.KernelKeyCache()
	if cache == nil || !storetest.KernelKeyringUsable() {
		if os.Getenv("TIP_CLI_TEST_KERNEL_KEYRING") == "1" {
			t.Fatal("no kernel keyring")
		}
		t.Skip("no kernel keyring here (keyctl refused)")
	}
	if testing.Short() {
		t.Skip("starts real processes")
	}
	ctx := context.Background()
	bins := installBinaries(t)
	k, env := parityKit(t, bins)
	args := append([]string{"auth", "get-iam-credentials"}, parityPolicy...)
	want := runExe(bins.lean, env, 1, args...)[0]
	if want.code != 0 || bins.handoffs(t) != 0 {
		t.Fatalf("file store: exit %d: %s", want.code, want.stderr)
	}

	// Move the bundle to the keyring store: a sealed file, the key in a
	// (fake) OS keyring and, as a write leaves it, in the kernel cache.
	fs := store.NewFileStore(k.Dir)
	b, err := fs.Get(ctx, "default")
	if err != nil || b == nil {
		t.Fatalf("bundle: %v", err)
	}
	ks := store.NewKeyringStore(k.Dir, storetest.NewKeyring(0))
	ks.Cache = cache
	t.Cleanup(func() { _ = ks.ForgetCachedKey("default") })
	if err := ks.Put(ctx, "default", b); err != nil {
		t.Fatal(err)
	}
	if err := fs.Delete(ctx, "default"); err != nil {
		t.Fatal(err)
	}
	bus := newBusCounter(t)
	env = slices.DeleteFunc(slices.Clone(env), func(kv string) bool {
		return strings.HasPrefix(kv, "TIP_CLI_STORE=") || strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS=")
	})
	env = append(env, "DBUS_SESSION_BUS_ADDRESS="+bus.addr)

	hit := runExe(bins.lean, env, 1, args...)[0]
	if hit.code != 0 || hit.stdout != want.stdout || hit.stderr != "" {
		t.Fatalf("cached call: exit %d, stdout equal %v, stderr %q", hit.code, hit.stdout == want.stdout, hit.stderr)
	}
	if n := bins.handoffs(t); n != 0 {
		t.Errorf("cached call handed off %d times", n)
	}
	if n := bus.conns.Load(); n != 0 {
		t.Errorf("cached call: %d D-Bus connections, want 0", n)
	}

	if err := ks.ForgetCachedKey("default"); err != nil {
		t.Fatal(err)
	}
	miss := runExe(bins.lean, env, 1, args...)[0]
	if n := bins.handoffs(t); n != 1 {
		t.Errorf("a cache miss handed off %d times, want 1", n)
	}
	if n := bus.conns.Load(); n == 0 {
		t.Error("tip-cli, handed a miss, made no D-Bus connection: the counter counts nothing")
	}
	// No Secret Service answers, and the directory's secrets are in the
	// keyring: tip-cli refuses rather than fall back to files.
	if miss.code == 0 || miss.stdout != "" || !strings.Contains(miss.stderr, "unlock your keyring or set TIP_CLI_STORE=file") {
		t.Errorf("miss: exit %d, stdout %q, stderr %q", miss.code, miss.stdout, miss.stderr)
	}
}
