//go:build !unix

package safefile

import (
	"io/fs"
	"os"
)

// open refuses what is not a regular file before opening it, since an
// open may block or have effects (a named pipe, a device name like CON)
// and there is no O_NONBLOCK here; read checks the opened file again.
// Without O_NOFOLLOW the no-follow check is an Lstat before the open: on
// Windows creating a symbolic link needs a privilege ordinary users lack,
// which narrows that window to administrators.
func open(path string, follow bool) (*os.File, error) {
	stat := os.Stat
	if !follow {
		stat = os.Lstat
	}
	fi, err := stat(path)
	if err != nil {
		return nil, err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return nil, &symlinkError{Path: path, Err: fs.ErrInvalid}
	}
	if !fi.Mode().IsRegular() {
		return nil, &notRegularError{Path: path, Mode: fi.Mode()}
	}
	return os.Open(path)
}
