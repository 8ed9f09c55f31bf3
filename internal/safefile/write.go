package safefile

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// staleAfter is the age past which a temp file of WriteAtomic's naming is
// a leftover: a write takes milliseconds, so one this old belongs to a
// writer that was killed (SIGKILL, power loss) before its rename.
const staleAfter = 10 * time.Minute

// tmpMarker separates a temp file's target name from os.CreateTemp's
// random digits: .<name>.tmp-<digits>.
const tmpMarker = ".tmp-"

// WriteAtomic replaces path with data through a temp file in the same
// directory (created 0600, whatever the umask), fsync and a rename, then
// syncs the directory (best effort): a reader or a process killed at any
// point sees the old file or the new one. perm is the final mode (0600
// when zero; wider only for files that are not secret). Stale leftovers
// of earlier writes of path are removed first, since they may hold a
// whole bundle of secrets.
func WriteAtomic(path string, data []byte, perm fs.FileMode) (err error) {
	if perm == 0 {
		perm = 0o600
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	sweep(dir, func(target string) bool { return target == base }, time.Now())
	tmp, err := os.CreateTemp(dir, "."+base+tmpMarker+"*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			err = fmt.Errorf("write %s: %w", path, err)
		}
	}()
	// CreateTemp already uses 0600; Chmod guards against unusual umask
	// handling on some file systems, and sets a wider perm asked for.
	if err = tmp.Chmod(perm); err != nil && runtime.GOOS != "windows" {
		return err
	}
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync() // durability of the rename; unsupported on some platforms
		d.Close()
	}
	return nil
}

// SweepStale removes stale temp files of WriteAtomic's naming for any
// target in dir, for a directory only tip-cli writes (secrets/): a
// profile whose write was killed may never be written again.
func SweepStale(dir string) {
	sweep(dir, func(string) bool { return true }, time.Now())
}

// sweep removes dir's temp files .<target>.tmp-<digits> whose target
// matches and whose modification time is staleAfter before now. It is
// best effort: a file it cannot list or remove stays, and no write fails
// for it.
func sweep(dir string, match func(target string) bool, now time.Time) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		target, ok := tempTarget(e.Name())
		if !ok || !match(target) || !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if err != nil || now.Sub(fi.ModTime()) < staleAfter {
			continue // a concurrent writer's, still at work
		}
		_ = os.Remove(filepath.Join(dir, e.Name()))
	}
}

// tempTarget returns the target name of a temp file name of our naming.
func tempTarget(name string) (string, bool) {
	if !strings.HasPrefix(name, ".") {
		return "", false
	}
	i := strings.LastIndex(name, tmpMarker)
	if i <= 1 {
		return "", false
	}
	digits := name[i+len(tmpMarker):]
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return "", false
	}
	return name[1:i], true
}
