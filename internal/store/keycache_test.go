package store

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/tip-cli/tip-cli/internal/store/storetest"
)

// mapCache is an in-memory KeyCache.
type mapCache struct {
	mu sync.Mutex
	m  map[string]string
}

func newMapCache() *mapCache { return &mapCache{m: map[string]string{}} }

func (c *mapCache) Get(name string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[name]
	return v, ok
}

func (c *mapCache) Set(name, value string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[name] = value
}

func (c *mapCache) Delete(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, name)
}

func cachedStore(dir string, kr Keyring, c KeyCache) *KeyringStore {
	s := NewKeyringStore(dir, kr)
	s.Cache = c
	return s
}

// TestKeyCacheWarmPath: a sign-in fills the cache; a warm read (a new
// process) then makes no keyring read; a process without an OS keyring
// serves from the cache and reports a miss as ErrNoOSKeyring.
func TestKeyCacheWarmPath(t *testing.T) {
	ctx := context.Background()
	kr := storetest.NewKeyring(0)
	c := newMapCache()
	dir := t.TempDir()
	want := sampleBundle("c")
	if err := cachedStore(dir, kr, c).Put(ctx, "p", want); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]*KeyringStore{"tip-cli": cachedStore(dir, kr, c), "lean": cachedStore(dir, nil, c)} {
		served, err := s.GetServed(ctx, "p")
		if err != nil || served.Session("") == nil || served.Session("").SecretAccessKey != "sk-c" {
			t.Fatalf("%s: served %+v, %v", name, served, err)
		}
		if st := s.Stats(); st != (Stats{CacheHits: 1, FileReads: 1, Decryptions: 1}) {
			t.Errorf("%s: stats %+v, want one cache hit and no keyring read", name, st)
		}
	}
	// A miss: the lean store hands on, tip-cli reads the keyring once and
	// fills the cache.
	c.Delete(itemOf(t, NewKeyringStore(dir, kr), "p"))
	if _, err := cachedStore(dir, nil, c).GetServed(ctx, "p"); !errors.Is(err, ErrNoOSKeyring) {
		t.Fatalf("lean on a miss: %v, want ErrNoOSKeyring", err)
	}
	full := cachedStore(dir, kr, c)
	if _, err := full.GetServed(ctx, "p"); err != nil || full.Stats().KeyringReads != 1 {
		t.Fatalf("tip-cli on a miss: %v, %+v", err, full.Stats())
	}
	if _, err := cachedStore(dir, nil, c).GetServed(ctx, "p"); err != nil {
		t.Errorf("lean after tip-cli filled the cache: %v", err)
	}
}

// TestKeyCacheClearedAndStale: logout clears the entry; a new sign-in's
// new key replaces it; a stale entry (a key replaced behind the cache's
// back) is never trusted: tip-cli reads the keyring, the lean store hands
// on.
func TestKeyCacheClearedAndStale(t *testing.T) {
	ctx := context.Background()
	kr := storetest.NewKeyring(0)
	c := newMapCache()
	dir := t.TempDir()
	s := cachedStore(dir, kr, c)
	item := itemOf(t, s, "p")
	if err := s.Put(ctx, "p", sampleBundle("a")); err != nil {
		t.Fatal(err)
	}
	first, _ := c.Get(item)
	if err := s.Delete(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Get(item); ok {
		t.Fatal("logout left the cache entry")
	}
	if err := s.Put(ctx, "p", sampleBundle("b")); err != nil {
		t.Fatal(err)
	}
	if second, _ := c.Get(item); second == "" || second == first {
		t.Fatal("a new key did not replace the cache entry")
	}
	c.Set(item, first) // stale: the old key
	if _, err := cachedStore(dir, nil, c).GetServed(ctx, "p"); !errors.Is(err, ErrNoOSKeyring) {
		t.Errorf("lean with a stale entry: %v, want ErrNoOSKeyring", err)
	}
	full := cachedStore(dir, kr, c)
	got, err := full.Get(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	assertBundle(t, got, sampleBundle("b"))
	if fixed, _ := c.Get(item); fixed == first {
		t.Error("the stale entry was kept")
	}
}

// TestKernelKeyCache exercises the real kernel keyring: an entry reads
// back, carries the owner-only permissions and a timeout, and is gone
// after Delete.
func TestKernelKeyCache(t *testing.T) {
	c := KernelKeyCache()
	if c == nil || !storetest.KernelKeyringUsable() {
		if os.Getenv("TIP_CLI_TEST_KERNEL_KEYRING") == "1" {
			t.Fatal("no kernel keyring")
		}
		t.Skip("no kernel keyring here (not Linux, or keyctl refused)")
	}
	name := "test#key@" + randomProfile()
	t.Cleanup(func() { c.Delete(name) })
	c.Set(name, "value-1")
	c.Set(name, "value-2") // displaces the first
	if v, ok := c.Get(name); !ok || v != "value-2" {
		t.Fatalf("Get = %q, %v", v, ok)
	}
	keys, err := os.ReadFile("/proc/keys")
	if err == nil {
		var line string // the live entry (a displaced one may linger until collected)
		for _, l := range strings.Split(string(keys), "\n") {
			if strings.Contains(l, keyCacheDescription(name)+":") && !strings.Contains(l, " R") {
				line = l
			}
		}
		f := strings.Fields(line)
		if len(f) < 8 || f[4] != "003f0000" || f[3] == "perm" {
			t.Errorf("/proc/keys line %q: want perm 003f0000 and a timeout", line)
		}
	}
	c.Delete(name)
	if _, ok := c.Get(name); ok {
		t.Error("entry survived Delete")
	}
}

// TestKeyCacheNotForTheRefreshPath: with the keyring locked since the
// cache was filled, the warm read still serves from the cache (until the
// entry expires), but the refresh path's Get and every Put fail: no
// refresh token is sent and no sign-in starts on a cached key alone.
func TestKeyCacheNotForTheRefreshPath(t *testing.T) {
	ctx := context.Background()
	kr := storetest.NewKeyring(0)
	c := newMapCache()
	dir := t.TempDir()
	if err := cachedStore(dir, kr, c).Put(ctx, "p", sampleBundle("a")); err != nil {
		t.Fatal(err)
	}
	kr.Fail(errors.New("locked"))
	s := cachedStore(dir, kr, c)
	if sv, err := s.GetServed(ctx, "p"); err != nil || sv.Session("") == nil {
		t.Fatalf("warm read from the cache: %v, %v", sv, err)
	}
	if b, err := s.Get(ctx, "p"); err == nil || b != nil {
		t.Errorf("Get with the keyring locked: %v, %v; want the keyring's error", b != nil, err)
	}
	if err := s.Put(ctx, "p", sampleBundle("b")); err == nil {
		t.Error("Put with the keyring locked succeeded on the cached key")
	}
}
