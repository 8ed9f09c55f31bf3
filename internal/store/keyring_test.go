package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"
)

func TestKeyringChunkingAroundLimits(t *testing.T) {
	ctx := context.Background()
	for _, goos := range []string{"windows", "darwin", "linux"} {
		limit := DefaultChunkLimit(goos)
		for _, size := range []int{limit - 1, limit, limit + 1, 3 * limit, 20 << 10} {
			t.Run(fmt.Sprintf("%s/%d", goos, size), func(t *testing.T) {
				fake := newFakeKeyring()
				s := newTestKeyring(fake, limit)
				want := bundleWithPayload(t, "a", size)
				if err := s.Put(ctx, "p", want); err != nil {
					t.Fatal(err)
				}
				wantItems := 1 // inline manifest
				if size+inlineOverhead(t, "p") > limit {
					wantItems += (size + limit - 1) / limit
				}
				users := fake.users()
				if len(users) != wantItems {
					t.Errorf("%d items %v, want %d", len(users), users, wantItems)
				}
				for _, u := range users {
					v := fake.item(u)
					if len(v) > limit {
						t.Errorf("item %s is %d bytes, limit %d", u, len(v), limit)
					}
					if strings.IndexFunc(v, func(r rune) bool { return r >= 0x80 }) >= 0 {
						t.Errorf("item %s is not ASCII", u)
					}
				}
				got, err := s.Get(ctx, "p")
				if err != nil {
					t.Fatal(err)
				}
				assertBundle(t, got, want)
			})
		}
	}
}

// inlineOverhead is how many bytes an inline manifest adds to a payload.
func inlineOverhead(t *testing.T, profile string) int {
	item, err := encodeManifest(&manifest{Version: manifestVersion, Profile: profile, Gen: 1, Inline: []byte("{}")})
	if err != nil {
		t.Fatal(err)
	}
	return len(item) - 2
}

func TestKeyringInlineBoundary(t *testing.T) {
	ctx := context.Background()
	const limit = 2048
	over := inlineOverhead(t, "p")
	for _, tt := range []struct {
		payload int
		items   int
	}{{limit - over, 1}, {limit - over + 1, 2}} {
		fake := newFakeKeyring()
		s := newTestKeyring(fake, limit)
		want := bundleWithPayload(t, "a", tt.payload)
		if err := s.Put(ctx, "p", want); err != nil {
			t.Fatal(err)
		}
		if n := len(fake.users()); n != tt.items {
			t.Errorf("payload %d: %d items, want %d", tt.payload, n, tt.items)
		}
		got, err := s.Get(ctx, "p")
		if err != nil {
			t.Fatal(err)
		}
		assertBundle(t, got, want)
	}
}

func TestKeyringGetCallCount(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name     string
		payload  int
		wantGets int
	}{{"small bundle is one read", 1500, 1}, {"chunked bundle", 5000, 1 + 3}} {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFakeKeyring()
			s := newTestKeyring(fake, 2048)
			if err := s.Put(ctx, "p", bundleWithPayload(t, "a", tt.payload)); err != nil {
				t.Fatal(err)
			}
			before, _, _ := fake.counts()
			if b, err := s.Get(ctx, "p"); b == nil || err != nil {
				t.Fatalf("get: %v, %v", b, err)
			}
			after, _, _ := fake.counts()
			if after-before != tt.wantGets {
				t.Errorf("Get made %d keyring reads, want %d", after-before, tt.wantGets)
			}
		})
	}
}

// putChunked stores a 3-chunk bundle tagged tag under "p".
func putChunked(t *testing.T, s *KeyringStore, tag string) *Bundle {
	t.Helper()
	b := bundleWithPayload(t, tag, 3*2048-100)
	if err := s.Put(context.Background(), "p", b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestKeyringTornStatesReadAbsent(t *testing.T) {
	tests := []struct {
		name   string
		damage func(f *fakeKeyring)
	}{
		{"missing chunk", func(f *fakeKeyring) { f.deleteItem("p#1#1") }},
		{"missing last chunk", func(f *fakeKeyring) { f.deleteItem("p#1#2") }},
		{"manifest points at missing generation", func(f *fakeKeyring) {
			f.setItem("p", strings.Replace(f.item("p"), `"g":1`, `"g":7`, 1))
		}},
		{"corrupted chunk", func(f *fakeKeyring) {
			c := []byte(f.item("p#1#1"))
			c[10] ^= 1
			f.setItem("p#1#1", string(c))
		}},
		{"truncated chunk", func(f *fakeKeyring) { f.setItem("p#1#0", f.item("p#1#0")[:100]) }},
		{"oversized chunk", func(f *fakeKeyring) { f.setItem("p#1#0", f.item("p#1#0")+"xx") }},
		{"garbage manifest", func(f *fakeKeyring) { f.setItem("p", "not json") }},
		{"truncated manifest", func(f *fakeKeyring) { f.setItem("p", f.item("p")[:20]) }},
		{"manifest of other profile", func(f *fakeKeyring) {
			f.setItem("p", strings.Replace(f.item("p"), `"p":"p"`, `"p":"q"`, 1))
		}},
		{"future version", func(f *fakeKeyring) {
			f.setItem("p", strings.Replace(f.item("p"), `"v":1`, `"v":2`, 1))
		}},
		{"inline null", func(f *fakeKeyring) { f.setItem("p", `{"v":1,"p":"p","g":1,"b":null}`) }},
		{"inline and chunks", func(f *fakeKeyring) { f.setItem("p", `{"v":1,"p":"p","g":1,"b":{},"n":1}`) }},
		{"absurd chunk count", func(f *fakeKeyring) {
			f.setItem("p", strings.Replace(f.item("p"), `"n":3`, `"n":100000`, 1))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFakeKeyring()
			s := newTestKeyring(fake, 2048)
			putChunked(t, s, "a")
			tt.damage(fake)
			got, err := s.Get(context.Background(), "p")
			if got != nil || err != nil {
				t.Fatalf("got %v, %v; want absent", got, err)
			}
		})
	}
}

func TestKeyringCrashDuringPutKeepsOldBundle(t *testing.T) {
	ctx := context.Background()
	// The new bundle takes 3 chunk writes then the manifest write (the 4th).
	for failAt := 1; failAt <= 4; failAt++ {
		t.Run(fmt.Sprintf("crash at write %d", failAt), func(t *testing.T) {
			fake := newFakeKeyring()
			s := newTestKeyring(fake, 2048)
			old := putChunked(t, s, "old")
			fake.failSetAt = failAt
			if err := s.Put(ctx, "p", bundleWithPayload(t, "new", 3*2048-100)); !errors.Is(err, errCrash) {
				t.Fatalf("put: %v, want crash", err)
			}
			got, err := s.Get(ctx, "p")
			if err != nil {
				t.Fatal(err)
			}
			assertBundle(t, got, old)
			// The next Put reuses the crashed generation's names, so
			// nothing is left behind.
			repl := putChunked(t, s, "new")
			got, _ = s.Get(ctx, "p")
			assertBundle(t, got, repl)
			if n := len(fake.users()); n != 4 {
				t.Errorf("%d items after recovery %v, want manifest + 3 chunks", n, fake.users())
			}
		})
	}
}

func TestKeyringCrashBeforeCleanup(t *testing.T) {
	ctx := context.Background()
	fake := newFakeKeyring()
	s := newTestKeyring(fake, 2048)
	putChunked(t, s, "old")
	fake.failDeletes = true // old generation's chunks survive
	repl := putChunked(t, s, "new")
	got, err := s.Get(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	assertBundle(t, got, repl)
	fake.failDeletes = false
	if err := s.Delete(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	if u := fake.users(); len(u) != 0 {
		t.Errorf("Delete left %v", u)
	}
}

func TestKeyringConcurrentPutDuringGet(t *testing.T) {
	ctx := context.Background()
	fake := newFakeKeyring()
	s := newTestKeyring(fake, 2048)
	putChunked(t, s, "old")
	var repl *Bundle
	fake.onGet = func(user string) {
		if user == "p#1#1" && repl == nil {
			// Another process replaces the bundle between our chunk reads.
			fake.onGet = nil
			repl = putChunked(t, newTestKeyring(fake, 2048), "new")
		}
	}
	got, err := s.Get(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	assertBundle(t, got, repl)
}

func TestKeyringShrinkAndDelete(t *testing.T) {
	ctx := context.Background()
	fake := newFakeKeyring()
	s := newTestKeyring(fake, 2048)
	putChunked(t, s, "big")
	small := sampleBundle("small")
	if err := s.Put(ctx, "p", small); err != nil {
		t.Fatal(err)
	}
	if u := fake.users(); !slices.Equal(u, []string{"p"}) {
		t.Errorf("after shrinking: items %v, want only the manifest", u)
	}
	got, _ := s.Get(ctx, "p")
	assertBundle(t, got, small)
	// Profiles whose names look like chunk names stay apart.
	if err := s.Put(ctx, "p#2#0", sampleBundle("other")); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Get(ctx, "p")
	assertBundle(t, got, small)
	for _, p := range []string{"p", "p#2#0", "never-stored"} {
		if err := s.Delete(ctx, p); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Get(ctx, p); got != nil || err != nil {
			t.Fatalf("%s after delete: %v, %v", p, got, err)
		}
	}
	if u := fake.users(); len(u) != 0 {
		t.Errorf("left behind: %v", u)
	}
}

func TestKeyringErrors(t *testing.T) {
	ctx := context.Background()
	boom := errors.New("secret service exploded")
	fake := newFakeKeyring()
	fake.err = boom
	s := newTestKeyring(fake, 2048)
	_, gerr := s.Get(ctx, "p")
	perr := s.Put(ctx, "p", sampleBundle("a"))
	derr := s.Delete(ctx, "p")
	for _, err := range []error{gerr, perr, derr} {
		var be *backendError
		if !errors.Is(err, boom) || !errors.As(err, &be) || !strings.HasPrefix(err.Error(), "keyring: ") {
			t.Errorf("error %v: want wrapped backend error with keyring: prefix", err)
		}
	}

	ok := newTestKeyring(newFakeKeyring(), 100)
	if err := ok.Put(ctx, "p", sampleBundle("a")); err == nil {
		t.Error("chunk limit below minimum: want error")
	}
	if err := newTestKeyring(newFakeKeyring(), 2048).Put(ctx, "p", nil); err == nil {
		t.Error("nil bundle: want error")
	}
	if _, err := newTestKeyring(newFakeKeyring(), 2048).Get(ctx, ""); err == nil {
		t.Error("empty profile: want error")
	}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	idle := newFakeKeyring()
	if _, err := newTestKeyring(idle, 2048).Get(cctx, "p"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled get: %v", err)
	}
	if g, s, d := idle.counts(); g+s+d != 0 {
		t.Error("cancelled context still reached the keyring")
	}
}

// TestKeyringGoKeyringMock runs the store on go-keyring itself with its
// in-memory mock provider. MockInit swaps go-keyring's global provider, so
// this test must not run in parallel with anything using go-keyring (the
// real Secret Service test runs in a child process for that reason).
func TestKeyringGoKeyringMock(t *testing.T) {
	ctx := context.Background()
	keyring.MockInit()
	s := NewKeyringStore("windows")
	for _, size := range []int{1000, 2049, 20 << 10} {
		want := bundleWithPayload(t, "m", size)
		if err := s.Put(ctx, "mock", want); err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(ctx, "mock")
		if err != nil {
			t.Fatal(err)
		}
		assertBundle(t, got, want)
	}
	if err := s.Delete(ctx, "mock"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(ctx, "mock"); got != nil || err != nil {
		t.Fatalf("after delete: %v, %v", got, err)
	}
	if _, err := keyring.Get(KeyringService, "mock#3#0"); !errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("chunk survived Delete: %v", err)
	}

	keyring.MockInitWithError(errors.New("no keyring"))
	if _, err := s.Get(ctx, "mock"); err == nil || !strings.Contains(err.Error(), "no keyring") {
		t.Errorf("want backend error, got %v", err)
	}
	keyring.MockInit()
}

func FuzzKeyringGet(f *testing.F) {
	full := newFakeKeyring()
	s := newTestKeyring(full, 2048)
	b := bundleWithPayload(f, "a", 5000)
	if err := s.Put(context.Background(), "p", b); err != nil {
		f.Fatal(err)
	}
	f.Add(full.item("p"), full.item("p#1#0"), full.item("p#1#1"), full.item("p#1#2"))
	f.Add(`{"v":1,"p":"p","g":1,"b":{"idp":{"id_token":"x"}}}`, "", "", "")
	f.Fuzz(func(t *testing.T, m, c0, c1, c2 string) {
		fake := newFakeKeyring()
		fake.setItem("p", m)
		for i, c := range []string{c0, c1, c2} {
			fake.setItem(chunkName("p", 1, i), c)
		}
		got, err := newTestKeyring(fake, 2048).Get(context.Background(), "p")
		if err != nil {
			t.Fatalf("garbage must read as absent, not fail: %v", err)
		}
		mf := parseManifest(m, "p")
		if got == nil || mf == nil || mf.Chunks == 0 {
			return
		}
		chunks := []string{c0, c1, c2}
		if mf.Chunks > len(chunks) || checksum(strings.Join(chunks[:mf.Chunks], "")) != mf.SHA256 {
			t.Fatal("returned a bundle whose chunks do not match the manifest")
		}
	})
}
