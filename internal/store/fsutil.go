package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/tip-cli/tip-cli/internal/safefile"
)

// maxFileSize bounds what the store reads from a file; anything larger is
// not something tip-cli wrote and reads as absent.
const maxFileSize = 4 << 20

// readPrivateFile returns the content of a file under a directory tip-cli
// created (secrets/), or nil when it does not exist or is larger than
// maxFileSize (not something tip-cli wrote: it reads as absent, like a
// corrupt file, and the next sign-in replaces it). It refuses a directory
// or a file that is a symbolic link (another local user who could plant
// one must not redirect what is read) and anything but a regular file (a
// FIFO would block the read forever), checked on the opened file.
func readPrivateFile(path string) ([]byte, error) {
	if err := refuseSymlinkDir(filepath.Dir(path)); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	data, err := safefile.ReadNoFollow(path, maxFileSize)
	var tooLarge *safefile.TooLargeError
	if errors.Is(err, os.ErrNotExist) || errors.As(err, &tooLarge) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return data, nil
}

// writePrivateFile replaces path (0600) atomically, creating its directory
// as 0700 (and refusing one that is a symbolic link).
func writePrivateFile(path string, data []byte) error {
	if err := ensurePrivateDir(filepath.Dir(path)); err != nil {
		return err
	}
	return writeFileAtomic(path, data)
}

// refuseSymlinkDir returns an error wrapping os.ErrNotExist when dir does
// not exist, and a clear error when it is a symbolic link or not a
// directory.
func refuseSymlinkDir(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		return fmt.Errorf("refusing %s: it is a symbolic link (tip-cli keeps secrets and locks only in a real directory; remove the link)", dir)
	}
	if !fi.IsDir() {
		return fmt.Errorf("refusing %s: not a directory", dir)
	}
	return nil
}

// symlinkHint turns the ELOOP of an O_NOFOLLOW open of a symbolic link
// into a readable error.
func symlinkHint(err error) error {
	if isSymlinkLoop(err) {
		return fmt.Errorf("it is a symbolic link, refused: %w", err)
	}
	return err
}

// ensurePrivateDir creates dir, a subdirectory of the config directory
// (locks/, secrets/), and missing parents as 0700, refuses a dir that is a
// symbolic link, and tightens it and the config directory to 0700 if they
// existed with a wider mode.
func ensurePrivateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	if err := refuseSymlinkDir(dir); err != nil {
		return err
	}
	if err := tightenDir(filepath.Dir(dir)); err != nil {
		return err
	}
	return tightenDir(dir)
}

// tightenDir sets dir to 0700 unless it is already (no-op on Windows,
// where modes do not carry access control).
func tightenDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("stat %s: %w", dir, err)
	}
	if fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("restrict %s: %w", dir, err)
		}
	}
	return nil
}

// writeFileAtomic writes data to path via a 0600 temporary file in the same
// directory, fsync and rename (safefile.WriteAtomic), first removing the
// stale temp files that writers killed before their rename left in the
// directory (secrets/ holds only tip-cli's files; a leftover may hold a
// whole bundle).
func writeFileAtomic(path string, data []byte) error {
	safefile.SweepStale(filepath.Dir(path))
	return safefile.WriteAtomic(path, data, 0o600)
}
