package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tip-cli/tip-cli/internal/store/storetest"
)

var platforms = []string{"darwin", "windows", "linux"}

// bigBundle is a bundle with 5 session scopes and 20 grants, larger than
// every platform's item limit.
func bigBundle(tag string) *Bundle {
	b := sampleBundle(tag)
	for i := 1; i < 5; i++ {
		c := *b.Session("")
		c.SecretAccessKey = fmt.Sprintf("sk-%s-%d", tag, i)
		b.SetSession(fmt.Sprintf("scope-%d", i), &c)
	}
	for i := 1; i < 20; i++ {
		g := *b.Grants[0]
		g.Target = fmt.Sprintf("s3://bucket/prefix-%d/*", i)
		b.Grants = append(b.Grants, &g)
	}
	return b
}

// secretsOf lists the secret strings of b, for "not on disk" checks.
func secretsOf(b *Bundle) []string {
	out := []string{b.IdP.IDToken, b.IdP.RefreshToken, b.IdP.AccessToken}
	for _, c := range b.Sessions {
		out = append(out, c.SecretAccessKey, c.SessionToken)
	}
	for _, g := range b.Grants {
		out = append(out, g.Credentials.SecretAccessKey, g.Credentials.SessionToken)
	}
	return out
}

// assertNoSecretOnDisk fails if any file under dir contains one of secrets.
func assertNoSecretOnDisk(t *testing.T, dir string, secrets []string) {
	t.Helper()
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		data, _ := os.ReadFile(path)
		for _, s := range secrets {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("%s holds secret %q", path, s)
			}
		}
		return nil
	})
}

// eachPlatformAndSize runs fn for every platform's item limit with a
// 1-scope bundle and a 5-scope, 20-grant one.
func eachPlatformAndSize(t *testing.T, fn func(t *testing.T, limit int, b *Bundle)) {
	for _, goos := range platforms {
		for name, b := range map[string]*Bundle{"1 scope": sampleBundle("a"), "5 scopes 20 grants": bigBundle("b")} {
			t.Run(goos+"/"+name, func(t *testing.T) { fn(t, storetest.ItemLimit(goos), b) })
		}
	}
}

func TestKeyringLayout(t *testing.T) {
	ctx := context.Background()
	eachPlatformAndSize(t, func(t *testing.T, limit int, want *Bundle) {
		kr := storetest.NewKeyring(limit)
		s := newTestKeyring(t, kr)
		if err := s.Put(ctx, "p", want); err != nil {
			t.Fatal(err)
		}
		users := kr.Users()
		if !slices.Equal(users, []string{itemOf(t, s, "p")}) {
			t.Fatalf("keyring items %v, want only the key", users)
		}
		if n := len(kr.Item(KeyringService, itemOf(t, s, "p"))); n > 64 {
			t.Errorf("key item is %d bytes", n)
		}
		entries, _ := os.ReadDir(filepath.Join(s.Dir, SecretsDirName))
		if len(entries) != 1 || entries[0].Name() != "p.sealed" {
			t.Fatalf("secrets dir holds %v", entries)
		}
		if runtime.GOOS != "windows" {
			fi, _ := entries[0].Info()
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("sealed file mode %o", fi.Mode().Perm())
			}
		}
		assertNoSecretOnDisk(t, s.Dir, secretsOf(want))
		got, err := s.Get(ctx, "p")
		if err != nil {
			t.Fatal(err)
		}
		assertBundle(t, got, want)
	})
}

func TestKeyringWarmPathCounts(t *testing.T) {
	ctx := context.Background()
	eachPlatformAndSize(t, func(t *testing.T, limit int, b *Bundle) {
		kr := storetest.NewKeyring(limit)
		// A fresh store, as each credential_process call is a new process.
		s := reopen(t, kr, b)
		before, _, _ := kr.Counts()
		served, err := s.GetServed(ctx, "p")
		if err != nil {
			t.Fatal(err)
		}
		gets, sets, dels := kr.Counts()
		if gets-before != 1 || sets != 1 || dels != 0 {
			t.Errorf("GetServed: %d keyring reads (want 1), %d writes, %d deletes", gets-before, sets, dels)
		}
		want := Stats{KeyringReads: 1, FileReads: 1, Decryptions: 1}
		if st := s.Stats(); st != want {
			t.Errorf("stats %+v, want %+v", st, want)
		}
		if got, w := len(served.Sessions), len(b.Sessions); got != w || len(served.Grants) != len(b.Grants) {
			t.Errorf("served %d sessions %d grants", got, len(served.Grants))
		}
	})
}

// reopen stores b under "p" with kr in a new config directory and returns
// a fresh store on it (zero counters).
func reopen(t *testing.T, kr *storetest.Keyring, b *Bundle) *KeyringStore {
	t.Helper()
	dir := t.TempDir()
	for _, u := range kr.Users() {
		kr.DeleteItem(KeyringService, u)
	}
	if err := NewKeyringStore(dir, kr).Put(context.Background(), "p", b); err != nil {
		t.Fatal(err)
	}
	return NewKeyringStore(dir, kr)
}

func TestKeyringServedNeverOpensSecretSection(t *testing.T) {
	ctx := context.Background()
	s, _, aead := sealedSample(t)
	want := sampleBundle("a")
	// A secret section sealed under another key (the served section bound
	// to it as a write would): the served part still reads, so GetServed
	// never opened the secret section; the whole bundle reads as absent.
	other, err := newAEAD(make([]byte, keySize))
	if err != nil {
		t.Fatal(err)
	}
	rewriteSealed(t, s, "p", func(f *sealedFile) {
		f.Secret, _ = sealSection(other, f.Version, "p", sectionSecret, want.withoutServed(), nil)
		f.Served, _ = sealSection(aead, f.Version, "p", sectionServed, want.ServedPart(), f.Secret)
	})
	served, err := s.GetServed(ctx, "p")
	if err != nil || served == nil {
		t.Fatalf("served: %v, %v", served, err)
	}
	if got := served.Session(""); got == nil || got.SecretAccessKey != want.Session("").SecretAccessKey {
		t.Errorf("served session %+v", got)
	}
	if b, err := s.Get(ctx, "p"); b != nil || err != nil {
		t.Errorf("whole bundle with a damaged secret section: %v, %v", b != nil, err)
	}
}

// rewriteSealed edits profile's sealed file in place.
func rewriteSealed(t *testing.T, s *KeyringStore, profile string, edit func(f *sealedFile)) {
	t.Helper()
	f := readSealed(t, s, profile)
	edit(f)
	_, path, _ := s.paths(profile)
	data, _ := json.Marshal(f)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestKeyringTamperedReadsAbsent(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		damage func(t *testing.T, s *KeyringStore, kr *storetest.Keyring)
	}{
		{"another key", func(t *testing.T, s *KeyringStore, kr *storetest.Keyring) {
			kr.SetItem(KeyringService, itemOf(t, s, "p"), keyPrefix+strings.Repeat("A", 43))
		}},
		{"malformed key", func(t *testing.T, s *KeyringStore, kr *storetest.Keyring) {
			kr.SetItem(KeyringService, itemOf(t, s, "p"), keyPrefix+"short")
		}},
		{"sections swapped", func(t *testing.T, s *KeyringStore, kr *storetest.Keyring) {
			rewriteSealed(t, s, "p", func(f *sealedFile) { f.Served, f.Secret = f.Secret, f.Served })
		}},
		{"served byte flipped", func(t *testing.T, s *KeyringStore, kr *storetest.Keyring) {
			rewriteSealed(t, s, "p", func(f *sealedFile) { f.Served[0] ^= 1 })
		}},
		{"another version", func(t *testing.T, s *KeyringStore, kr *storetest.Keyring) {
			rewriteSealed(t, s, "p", func(f *sealedFile) { f.Version = 4 })
		}},
		{"version 2 under a version-3 key", func(t *testing.T, s *KeyringStore, kr *storetest.Keyring) {
			rewriteSealed(t, s, "p", func(f *sealedFile) { f.Version = sealedVersionV2 })
		}},
		{"another profile's file", func(t *testing.T, s *KeyringStore, kr *storetest.Keyring) {
			if err := s.Put(ctx, "q", sampleBundle("q")); err != nil {
				t.Fatal(err)
			}
			kr.SetItem(KeyringService, itemOf(t, s, "p"), kr.Item(KeyringService, itemOf(t, s, "q")))
			_, pp, _ := s.paths("p")
			_, qp, _ := s.paths("q")
			if err := os.Rename(qp, pp); err != nil {
				t.Fatal(err)
			}
		}},
		{"truncated", func(t *testing.T, s *KeyringStore, kr *storetest.Keyring) {
			_, path, _ := s.paths("p")
			data, _ := os.ReadFile(path)
			_ = os.WriteFile(path, data[:len(data)/2], 0o600)
		}},
		{"file removed", func(t *testing.T, s *KeyringStore, kr *storetest.Keyring) {
			_, path, _ := s.paths("p")
			_ = os.Remove(path)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kr := storetest.NewKeyring(0)
			s := newTestKeyring(t, kr)
			if err := s.Put(ctx, "p", sampleBundle("a")); err != nil {
				t.Fatal(err)
			}
			tt.damage(t, s, kr)
			b, err := s.Get(ctx, "p")
			sv, serr := s.GetServed(ctx, "p")
			if b != nil || err != nil || sv != nil || serr != nil {
				t.Fatalf("damaged store read as %v/%v, %v/%v; want absent", b != nil, err, sv != nil, serr)
			}
			// And it can be written again.
			want := sampleBundle("new")
			if err := s.Put(ctx, "p", want); err != nil {
				t.Fatal(err)
			}
			got, _ := s.Get(ctx, "p")
			assertBundle(t, got, want)
		})
	}
}

func TestKeyringBackendErrorsSurface(t *testing.T) {
	ctx := context.Background()
	kr := storetest.NewKeyring(0)
	s := newTestKeyring(t, kr)
	if err := s.Put(ctx, "p", sampleBundle("a")); err != nil {
		t.Fatal(err)
	}
	kr.Fail(errors.New("org.freedesktop.Secret.Error.IsLocked"))
	for name, err := range map[string]error{
		"get":    func() error { _, err := s.Get(ctx, "p"); return err }(),
		"served": func() error { _, err := s.GetServed(ctx, "p"); return err }(),
		"put":    s.Put(ctx, "p", sampleBundle("b")),
		"delete": s.Delete(ctx, "p"),
	} {
		var be *backendError
		if !errors.As(err, &be) || !strings.Contains(err.Error(), "IsLocked") {
			t.Errorf("%s: %v, want the keyring's error", name, err)
		}
	}
	if err := s.Put(ctx, "", sampleBundle("a")); err == nil {
		t.Error("empty profile accepted")
	}
	if err := s.Put(ctx, "p", nil); err == nil {
		t.Error("nil bundle accepted")
	}
}

func TestKeyringDeleteRemovesKeyFileAndV1(t *testing.T) {
	ctx := context.Background()
	kr := storetest.NewKeyring(2048)
	s := newTestKeyring(t, kr)
	if err := s.Put(ctx, "p", sampleBundle("a")); err != nil {
		t.Fatal(err)
	}
	// v1 leftovers (as after a crash between migration and cleanup), and
	// another profile that must survive.
	writeV1(t, kr, "p", bigBundle("old"), 2048, 4)
	kr.SetItem(KeyringService, chunkName("p", 5, 0), "leftover")
	if err := s.Put(ctx, "other", sampleBundle("o")); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	if users := kr.Users(); !slices.Equal(users, []string{itemOf(t, s, "other")}) {
		t.Errorf("items after Delete: %v", users)
	}
	entries, _ := os.ReadDir(filepath.Join(s.Dir, SecretsDirName))
	if len(entries) != 1 || entries[0].Name() != "other.sealed" {
		t.Errorf("secrets dir after Delete: %v", entries)
	}
	if b, err := s.Get(ctx, "p"); b != nil || err != nil {
		t.Errorf("after delete: %v, %v", b != nil, err)
	}
	if err := s.Delete(ctx, "p"); err != nil {
		t.Errorf("deleting an absent profile: %v", err)
	}
}

func TestKeyringConcurrentFirstPuts(t *testing.T) {
	// Many writers racing on a profile with no key yet must agree on one
	// key: the survivor's file always opens.
	ctx := context.Background()
	kr := storetest.NewKeyring(0)
	s := newTestKeyring(t, kr)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			if err := NewKeyringStore(s.Dir, kr).Put(ctx, "p", sampleBundle(fmt.Sprint(i))); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if b, err := s.Get(ctx, "p"); b == nil || err != nil {
		t.Fatalf("after racing first Puts: %v, %v", b != nil, err)
	}
	if _, sets, _ := kr.Counts(); sets != 1 {
		t.Errorf("%d key writes, want 1", sets)
	}
}

func TestKeyringSymlinkedSecretsDirRefused(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need a privilege on Windows")
	}
	ctx := context.Background()
	kr := storetest.NewKeyring(0)
	s := newTestKeyring(t, kr)
	elsewhere := t.TempDir()
	if err := os.Symlink(elsewhere, filepath.Join(s.Dir, SecretsDirName)); err != nil {
		t.Fatal(err)
	}
	err := s.Put(ctx, "p", sampleBundle("a"))
	if err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("put through a symlinked secrets dir: %v", err)
	}
	if entries, _ := os.ReadDir(elsewhere); len(entries) != 0 {
		t.Errorf("wrote through the link: %v", entries)
	}
	if _, err := s.GetServed(ctx, "p"); err == nil {
		// No key was stored (the Put failed before its commit), so the read
		// stops at the keyring; with a key it must refuse the directory.
		kr.SetItem(KeyringService, itemOf(t, s, "p"), keyPrefix+strings.Repeat("A", 43))
		if _, err := s.GetServed(ctx, "p"); err == nil || !strings.Contains(err.Error(), "symbolic link") {
			t.Errorf("read through a symlinked secrets dir: %v", err)
		}
	}
}

func FuzzParseSealed(f *testing.F) {
	kr := storetest.NewKeyring(0)
	s := NewKeyringStore(f.TempDir(), kr)
	if err := s.Put(context.Background(), "p", sampleBundle("a")); err != nil {
		f.Fatal(err)
	}
	_, path, _ := s.paths("p")
	data, _ := os.ReadFile(path)
	f.Add(data)
	f.Add([]byte(`{"format":"tip-cli sealed bundle","version":2,"profile":"p","served":"AAAA","secret":"AAAA"}`))
	key, _ := s.readKey(context.Background(), itemOf(f, s, "p"))
	aead, _ := newAEAD(key)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, v2 := range []bool{false, true} {
			if sf := parseSealed(data, "p", v2); sf != nil {
				_ = openBundle(aead, sf) // must not panic
			}
		}
	})
}
