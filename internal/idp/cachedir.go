package idp

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
)

// openCacheDir creates dir (0700) when missing and opens it as an os.Root.
// It refuses a dir that is a symbolic link or not a directory: whoever
// planted one must not get tip-cli to write, or chmod, somewhere else.
// The directory is opened, checked to be the one inspected, and tightened
// to 0700 through the open handle, so swapping it between the checks
// gains nothing.
func openCacheDir(dir string) (*os.Root, error) {
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	seen, err := os.Lstat(dir)
	if err != nil {
		return nil, err
	}
	if seen.Mode()&fs.ModeSymlink != 0 || !seen.IsDir() {
		return nil, fmt.Errorf("refusing %s: not a directory (a symbolic link or a file)", dir)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	opened, err := root.Stat(".")
	if err == nil && !os.SameFile(seen, opened) {
		err = fmt.Errorf("refusing %s: it changed while being opened", dir)
	}
	if err == nil && runtime.GOOS != "windows" && opened.Mode().Perm() != 0o700 {
		err = root.Chmod(".", 0o700)
	}
	if err != nil {
		root.Close()
		return nil, err
	}
	return root, nil
}

// realDir reports whether dir is a directory and not a symbolic link: the
// cache is read only from one, as it is only written to one.
func realDir(dir string) bool {
	fi, err := os.Lstat(dir)
	return err == nil && fi.IsDir()
}

// writeFileIn replaces name in root with data (0600) through a temporary
// file and a rename, so a reader sees the old or the new file whole. The
// rename replaces whatever name is, a planted link included, never what
// a link points to.
func writeFileIn(root *os.Root, name string, data []byte) (err error) {
	tmp := "." + name + ".tmp-" + rand.Text()
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = root.Remove(tmp)
		}
	}()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return root.Rename(tmp, name)
}
