package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/safefile/safefiletest"
)

// TestPutSweepsStaleTempFiles: a writer killed between creating its temp
// file and the rename (SIGKILL) leaves secrets/.<profile>.json.tmp-*
// holding the whole bundle, in plaintext for the file store. The next
// write removes such leftovers once they are stale, of every profile,
// and leaves alone a fresh one (a concurrent writer's) and foreign names.
func TestPutSweepsStaleTempFiles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := NewFileStore(t.TempDir())
	if err := s.Put(ctx, "p", sampleBundle("a")); err != nil {
		t.Fatal(err)
	}
	path, _ := s.Path("p")
	dir, base := filepath.Dir(path), filepath.Base(path)
	old := time.Now().Add(-time.Hour)
	stale := []string{
		safefiletest.Plant(t, dir, "."+base+".tmp-1234567", old),
		safefiletest.Plant(t, dir, ".other.json.tmp-42", old), // another profile's, never rewritten
	}
	kept := []string{
		safefiletest.Plant(t, dir, "."+base+".tmp-7654321", time.Now()), // a writer at work
		safefiletest.Plant(t, dir, "notes.tmp-1", old),
		safefiletest.Plant(t, dir, ".p.json.tmp-x1", old),
	}
	if err := s.Put(ctx, "p", sampleBundle("b")); err != nil {
		t.Fatal(err)
	}
	for _, p := range stale {
		if !safefiletest.Gone(p) {
			t.Errorf("stale leftover %s is still there", filepath.Base(p))
		}
	}
	for _, p := range kept {
		if safefiletest.Gone(p) {
			t.Errorf("%s was removed", filepath.Base(p))
		}
	}
}
