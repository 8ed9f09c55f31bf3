package store

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/tip-cli/tip-cli/internal/store/storetest"
)

func TestKeyringMigratesV1(t *testing.T) {
	ctx := context.Background()
	for _, goos := range platforms {
		limit := ItemLimit(goos)
		for name, want := range map[string]*Bundle{"inline": sampleBundle("a"), "big": bigBundle("b")} {
			for _, first := range []string{"Get", "GetServed"} {
				t.Run(goos+"/"+name+"/"+first, func(t *testing.T) {
					kr := storetest.NewKeyring(limit)
					writeV1(t, kr, "p", want, limit, 3)
					if chunked := len(kr.Users()) > 1; chunked != (name == "big" && goos != "linux") {
						t.Fatalf("v1 layout: %d items", len(kr.Users()))
					}
					dir := t.TempDir()
					s := NewKeyringStore(dir, kr)
					if first == "Get" {
						got, err := s.Get(ctx, "p")
						if err != nil {
							t.Fatal(err)
						}
						assertBundle(t, got, want)
					} else {
						served, err := s.GetServed(ctx, "p")
						if err != nil || served == nil || len(served.Grants) != len(want.Grants) {
							t.Fatalf("served %v, %v", served, err)
						}
					}
					if users := kr.Users(); !slices.Equal(users, []string{itemOf(t, s, "p")}) {
						t.Errorf("items after migration: %v", users)
					}
					assertNoSecretOnDisk(t, dir, secretsOf(want))
					// The next process: one keyring read, the whole bundle intact.
					s2 := NewKeyringStore(dir, kr)
					if _, err := s2.GetServed(ctx, "p"); err != nil || s2.Stats().KeyringReads != 1 {
						t.Errorf("after migration: %v, %d keyring reads", err, s2.Stats().KeyringReads)
					}
					got, _ := s2.Get(ctx, "p")
					assertBundle(t, got, want)
				})
			}
		}
	}
}

func TestKeyringMigrationCrashKeepsV1(t *testing.T) {
	ctx := context.Background()
	kr := storetest.NewKeyring(2048)
	want := bigBundle("a")
	writeV1(t, kr, "p", want, 2048, 1)
	items := len(kr.Users())
	dir := t.TempDir()
	kr.FailSetAt(1) // dies storing the key, after the sealed file was written
	if _, err := NewKeyringStore(dir, kr).Get(ctx, "p"); !errors.Is(err, storetest.ErrCrash) {
		t.Fatalf("want the crash, got %v", err)
	}
	if n := len(kr.Users()); n != items {
		t.Fatalf("v1 items touched by a failed migration: %d -> %d", items, n)
	}
	got, err := NewKeyringStore(dir, kr).Get(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	assertBundle(t, got, want)
	if users := kr.Users(); !slices.Equal(users, []string{itemOf(t, NewKeyringStore(dir, kr), "p")}) {
		t.Errorf("items after retried migration: %v", users)
	}
}

func TestKeyringTornV1ReadsAbsent(t *testing.T) {
	ctx := context.Background()
	kr := storetest.NewKeyring(2048)
	writeV1(t, kr, "p", bigBundle("a"), 2048, 1)
	kr.DeleteItem(KeyringService, chunkName("p", 1, 1))
	s := newTestKeyring(t, kr)
	if b, err := s.Get(ctx, "p"); b != nil || err != nil {
		t.Fatalf("torn v1: %v, %v", b != nil, err)
	}
	if slices.Contains(kr.Users(), itemOf(t, s, "p")) {
		t.Error("a key was created for a torn v1 bundle")
	}
}

func TestKeyringConcurrentMigration(t *testing.T) {
	ctx := context.Background()
	kr := storetest.NewKeyring(2560)
	want := bigBundle("a")
	writeV1(t, kr, "p", want, 2560, 1)
	dir := t.TempDir()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			served, err := NewKeyringStore(dir, kr).GetServed(ctx, "p")
			if err != nil || served == nil || len(served.Grants) != len(want.Grants) {
				t.Errorf("concurrent migration read %v, %v", served != nil, err)
			}
		})
	}
	wg.Wait()
	if _, sets, _ := kr.Counts(); sets != 1 {
		t.Errorf("%d keyring writes, want 1 (one migration)", sets)
	}
	if users := kr.Users(); !slices.Equal(users, []string{itemOf(t, NewKeyringStore(dir, kr), "p")}) {
		t.Errorf("items: %v", users)
	}
	got, _ := NewKeyringStore(dir, kr).Get(ctx, "p")
	assertBundle(t, got, want)
}
