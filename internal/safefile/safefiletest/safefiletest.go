// Package safefiletest plants what a writer killed before its rename
// leaves behind, for the tests of the packages that write atomically.
package safefiletest

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Plant writes dir/name (0600) with mtime as its modification time and
// returns its path.
func Plant(t testing.TB, dir, name string, mtime time.Time) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(`{"leftover":true}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	return p
}

// Gone reports whether path no longer exists.
func Gone(path string) bool {
	_, err := os.Lstat(path)
	return os.IsNotExist(err)
}
