package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/safefile/safefiletest"
)

// TestSaveSweepsStaleTempFiles: a Save killed before its rename leaves
// .config.json.tmp-*; the next Save removes it once stale, and keeps a
// fresh one (another process's Save in progress).
func TestSaveSweepsStaleTempFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stale := safefiletest.Plant(t, dir, ".config.json.tmp-111", time.Now().Add(-time.Hour))
	fresh := safefiletest.Plant(t, dir, ".config.json.tmp-222", time.Now())
	if err := Save(dir, &File{Profiles: map[string]*Profile{}}); err != nil {
		t.Fatal(err)
	}
	if !safefiletest.Gone(stale) {
		t.Error("stale leftover still there")
	}
	if safefiletest.Gone(fresh) {
		t.Error("fresh temp file removed")
	}
	fi, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("config.json: %v, %v; want mode 0600", fi, err)
	}
}
