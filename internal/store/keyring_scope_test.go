package store

import (
	"context"
	"crypto/cipher"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tip-cli/tip-cli/internal/store/storetest"
)

// itemOf returns the keyring item name of profile's key in s.
func itemOf(t testing.TB, s *KeyringStore, profile string) string {
	t.Helper()
	enc, err := encodeProfile(profile)
	if err != nil {
		t.Fatal(err)
	}
	name, err := s.keyItem(enc)
	if err != nil {
		t.Fatal(err)
	}
	return name
}

// TestKeyringItemsScopedToConfigDir is issue 22 item 6: two config
// directories with the same profile name keep separate keys, and signing
// out of one leaves the other signed in.
func TestKeyringItemsScopedToConfigDir(t *testing.T) {
	ctx := context.Background()
	kr := storetest.NewKeyring(0)
	a := NewKeyringStore(t.TempDir(), kr)
	b := NewKeyringStore(t.TempDir(), kr)
	wantA := sampleBundle("dir-a")
	if err := a.Put(ctx, "default", wantA); err != nil {
		t.Fatal(err)
	}
	if err := b.Put(ctx, "default", sampleBundle("dir-b")); err != nil {
		t.Fatal(err)
	}
	if itemOf(t, a, "default") == itemOf(t, b, "default") {
		t.Fatalf("both directories use keyring item %q", itemOf(t, a, "default"))
	}
	if err := b.Delete(ctx, "default"); err != nil {
		t.Fatal(err)
	}
	got, err := a.Get(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	assertBundle(t, got, wantA)
	if users := kr.Users(); !slices.Equal(users, []string{itemOf(t, a, "default")}) {
		t.Errorf("keyring items %v after B's logout, want only A's key", users)
	}
}

// TestKeyringItemScopeFollowsSymlinks: the same directory reached through
// a symbolic link, or before it exists, names the same item.
func TestKeyringItemScopeFollowsSymlinks(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	real := filepath.Join(root, "real")
	link := filepath.Join(root, "link")
	if err := os.Mkdir(real, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, link); err != nil {
		t.Skipf("no symbolic links: %v", err)
	}
	kr := storetest.NewKeyring(0)
	notYet := NewKeyringStore(filepath.Join(link, "cfg"), kr)
	before := itemOf(t, notYet, "p")
	want := sampleBundle("s")
	if err := notYet.Put(ctx, "p", want); err != nil {
		t.Fatal(err)
	}
	viaReal := NewKeyringStore(filepath.Join(real, "cfg"), kr)
	if after := itemOf(t, viaReal, "p"); after != before {
		t.Errorf("item %q through the link before the directory existed, %q through the real path", before, after)
	}
	got, err := viaReal.Get(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	assertBundle(t, got, want)
}

// TestKeyringMigratesUnscopedKey: a format-2 profile (key item
// "<profile>#key", sealed file version 2) is moved to the scoped item and
// version 3 on first use, and its old key item is gone.
func TestKeyringMigratesUnscopedKey(t *testing.T) {
	ctx := context.Background()
	for _, op := range []string{"get", "served", "put", "delete"} {
		t.Run(op, func(t *testing.T) {
			kr := storetest.NewKeyring(0)
			s := newTestKeyring(t, kr)
			old := sampleBundle("v2")
			writeV2(t, s, kr, "p", old)
			switch op {
			case "get":
				got, err := s.Get(ctx, "p")
				if err != nil {
					t.Fatal(err)
				}
				assertBundle(t, got, old)
			case "served":
				got, err := s.GetServed(ctx, "p")
				if err != nil || got.Session("") == nil || got.Session("").SecretAccessKey != "sk-v2" {
					t.Fatalf("served %+v, %v", got, err)
				}
			case "put":
				if err := s.Put(ctx, "p", sampleBundle("new")); err != nil {
					t.Fatal(err)
				}
			case "delete":
				if err := s.Delete(ctx, "p"); err != nil {
					t.Fatal(err)
				}
				if users := kr.Users(); len(users) != 0 {
					t.Fatalf("items left after delete: %v", users)
				}
				return
			}
			if users := kr.Users(); !slices.Equal(users, []string{itemOf(t, s, "p")}) {
				t.Errorf("keyring items %v, want only the scoped key", users)
			}
			if v := sealedVersionOf(t, s, "p"); v != sealedVersion {
				t.Errorf("sealed file version %d after migration, want %d", v, sealedVersion)
			}
		})
	}
}

// TestKeyringUnscopedKeyOfAnotherDirLeftAlone: a "<profile>#key" item whose
// key does not open this directory's file belongs to another directory:
// neither a read, a write nor a delete here takes or removes it.
func TestKeyringUnscopedKeyOfAnotherDirLeftAlone(t *testing.T) {
	ctx := context.Background()
	kr := storetest.NewKeyring(0)
	other := newTestKeyring(t, kr)
	writeV2(t, other, kr, "p", sampleBundle("other"))
	legacy := kr.Item(KeyringService, "p#key")
	s := newTestKeyring(t, kr)
	if b, err := s.Get(ctx, "p"); b != nil || err != nil {
		t.Fatalf("get: %v, %v", b != nil, err)
	}
	if err := s.Put(ctx, "p", sampleBundle("mine")); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	if got := kr.Item(KeyringService, "p#key"); got != legacy {
		t.Fatal("another directory's unscoped key was changed or removed")
	}
	got, err := other.Get(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	assertBundle(t, got, sampleBundle("other"))
}

// TestServedSectionSpliceRefused is issue 22 item 5: an old served
// section put back into a current sealed file is not served, by either
// read; nor is the file's own served section under an old secret one.
func TestServedSectionSpliceRefused(t *testing.T) {
	ctx := context.Background()
	kr := storetest.NewKeyring(0)
	s := newTestKeyring(t, kr)
	if err := s.Put(ctx, "p", sampleBundle("old")); err != nil {
		t.Fatal(err)
	}
	oldFile := readSealed(t, s, "p")
	current := sampleBundle("new")
	current.Grants = nil // a grant cleared since
	if err := s.Put(ctx, "p", current); err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(f *sealedFile){
		"old served, current secret": func(f *sealedFile) { f.Served = oldFile.Served },
		"current served, old secret": func(f *sealedFile) { f.Secret = oldFile.Secret },
	} {
		t.Run(name, func(t *testing.T) {
			if err := s.Put(ctx, "p", current); err != nil {
				t.Fatal(err)
			}
			rewriteSealed(t, s, "p", edit)
			fresh := NewKeyringStore(s.Dir, kr)
			if served, err := fresh.GetServed(ctx, "p"); served != nil || err != nil {
				t.Errorf("GetServed of a spliced file = %+v, %v; want absent", served, err)
			}
			if b, err := fresh.Get(ctx, "p"); b != nil || err != nil {
				t.Errorf("Get of a spliced file = %v, %v; want absent", b != nil, err)
			}
		})
	}
}

// TestV2ServedSectionRefusedAfterMigration: once a profile is migrated, a
// version-2 file (its old served section with any secret section) is not
// read any more, although it is sealed under the same key.
func TestV2ServedSectionRefusedAfterMigration(t *testing.T) {
	ctx := context.Background()
	kr := storetest.NewKeyring(0)
	s := newTestKeyring(t, kr)
	writeV2(t, s, kr, "p", sampleBundle("v2"))
	_, path, _ := s.paths("p")
	v2, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "p", sampleBundle("v3")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, v2, 0o600); err != nil {
		t.Fatal(err)
	}
	if served, err := NewKeyringStore(s.Dir, kr).GetServed(ctx, "p"); served != nil || err != nil {
		t.Errorf("a version-2 file after migration served %+v, %v", served, err)
	}
}

// writeV2 stores b for profile as format 2 did: the key under the
// unscoped item "<profile>#key", the sealed file at version 2.
func writeV2(t *testing.T, s *KeyringStore, kr *storetest.Keyring, profile string, b *Bundle) {
	t.Helper()
	key := make([]byte, keySize)
	for i := range key {
		key[i] = byte(len(s.Dir) + i) // distinct per directory
	}
	aead, err := newAEAD(key)
	if err != nil {
		t.Fatal(err)
	}
	data, err := sealBundleV2(aead, profile, b)
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := encodeProfile(profile)
	_, path, _ := s.paths(profile)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	kr.SetItem(KeyringService, legacyKeyName(enc), encodeKey(key))
}

func readSealed(t *testing.T, s *KeyringStore, profile string) *sealedFile {
	t.Helper()
	_, path, _ := s.paths(profile)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f sealedFile
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	return &f
}

func sealedVersionOf(t *testing.T, s *KeyringStore, profile string) int {
	t.Helper()
	return readSealed(t, s, profile).Version
}

// sealBundleV2 seals b as format 2 did: no binding between the sections.
func sealBundleV2(aead cipher.AEAD, profile string, b *Bundle) ([]byte, error) {
	return sealBundleVersion(aead, sealedVersionV2, profile, b)
}
