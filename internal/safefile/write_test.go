package safefile

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/safefile/safefiletest"
)

func TestWriteAtomicMode(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("modes carry no access control on Windows")
	}
	dir := t.TempDir()
	for _, tt := range []struct {
		perm, want os.FileMode
	}{{0, 0o600}, {0o600, 0o600}, {0o644, 0o644}} {
		p := filepath.Join(dir, "f")
		if err := WriteAtomic(p, []byte("x"), tt.perm); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm() != tt.want {
			t.Errorf("perm %o: mode %v, %v; want %o", tt.perm, fi.Mode(), err, tt.want)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%d entries, want the file alone (no temp files)", len(entries))
	}
}

func TestTempTarget(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{
		".default.json.tmp-123":   "default.json",
		".a.tmp-b.json.tmp-99":    "a.tmp-b.json",
		".config.tmp-1":           "config",
		"default.json.tmp-1":      "",
		".default.json.tmp-":      "",
		".default.json.tmp-12a":   "",
		"..tmp-1":                 "",
		".default.json":           "",
		".default.json.tmp-1/../": "",
	} {
		got, ok := tempTarget(name)
		if ok != (want != "") || got != want {
			t.Errorf("tempTarget(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
}

// TestSweepKeepsFreshAndForeign: only stale temp files of our naming go.
func TestSweepKeepsFreshAndForeign(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	now := time.Now()
	files := map[string]time.Duration{
		".a.json.tmp-1": staleAfter,               // stale: removed
		".b.json.tmp-2": staleAfter - time.Second, // fresh: kept
		"a.json":        time.Hour,                // foreign: kept
		".a.json.tmp-x": time.Hour,                // foreign: kept
	}
	for name, age := range files {
		safefiletest.Plant(t, dir, name, now.Add(-age))
	}
	sweep(dir, func(string) bool { return true }, now)
	for name := range files {
		if gone := safefiletest.Gone(filepath.Join(dir, name)); gone != (name == ".a.json.tmp-1") {
			t.Errorf("%s: removed %v", name, gone)
		}
	}
}
