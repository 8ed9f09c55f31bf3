// Package safefile reads the files tip-cli and tip-credential-process take
// in (config, sealed store files, the IdP metadata cache, --policy
// file://, configure idp --config) without letting whoever controls the
// path hang or exhaust the process: the open never blocks (a FIFO would
// wait for a writer forever), the checks run on the opened descriptor (no
// window between a check and the open for a swap), only a regular file is
// read (never /dev/zero, a FIFO, a socket or a terminal), and never more
// than a limit the caller names. WriteAtomic is the one atomic write
// (temp file 0600, fsync, rename) and removes the stale temp files that
// killed writers leave. It links only the standard library, so the lean
// binary can use it.
package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// notRegularError is a path that names something other than a regular
// file (a FIFO, a device, a directory, a socket).
type notRegularError struct {
	Path string
	Mode fs.FileMode
}

func (e *notRegularError) Error() string {
	return fmt.Sprintf("refusing %s: not a regular file (%s)", e.Path, kind(e.Mode))
}

// TooLargeError is a regular file larger than the limit its reader set.
type TooLargeError struct {
	Path  string
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("refusing %s: larger than the %s limit", e.Path, size(e.Limit))
}

// symlinkError is a path whose last element is a symbolic link, read with
// ReadNoFollow.
type symlinkError struct {
	Path string
	Err  error
}

func (e *symlinkError) Error() string {
	return fmt.Sprintf("refusing %s: it is a symbolic link", e.Path)
}

func (e *symlinkError) Unwrap() error { return e.Err }

// Read returns the content of the regular file at path, following
// symbolic links: for paths the user named (--policy file://PATH,
// --config FILE), which may well be links. Errors wrap fs.ErrNotExist
// when nothing is there.
func Read(path string, limit int64) ([]byte, error) {
	return read(path, limit, true)
}

// ReadNoFollow is Read for files tip-cli itself writes (sealed store
// files, the metadata cache): a symbolic link in their place was planted
// by someone else and is refused (*symlinkError).
func ReadNoFollow(path string, limit int64) ([]byte, error) {
	return read(path, limit, false)
}

// Check reports whether a reader that opens path by name itself (the AWS
// SDK's shared config files) would get what Read accepts: nil when path
// is a regular file of at most limit bytes or does not exist. It cannot
// close the window between the check and that reader's open; it stops the
// accidents and plants that sit there before tip-cli starts.
func Check(path string, limit int64) error {
	f, err := checked(path, limit, true)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// checked opens path without blocking and checks, on the descriptor, that
// it is a regular file of at most limit bytes.
func checked(path string, limit int64, follow bool) (*os.File, error) {
	// open's errors name the path: *fs.PathError (wrapping
	// fs.ErrNotExist when nothing is there), *symlinkError, and on some
	// platforms *notRegularError.
	f, err := open(path, follow)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat() // fstat: the file that was opened, not the path now
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("stat %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, &notRegularError{Path: path, Mode: fi.Mode()}
	}
	if fi.Size() > limit {
		f.Close()
		return nil, &TooLargeError{Path: path, Limit: limit}
	}
	return f, nil
}

func read(path string, limit int64, follow bool) ([]byte, error) {
	f, err := checked(path, limit, follow)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// The size may grow between fstat and read (or lie, in /proc): the
	// limit also bounds the read.
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, &TooLargeError{Path: path, Limit: limit}
	}
	return data, nil
}

// IsRefused reports whether err is one of this package's refusals (not a
// regular file, too large, a symbolic link) rather than an I/O error or a
// missing file.
func IsRefused(err error) bool {
	var nr *notRegularError
	var tl *TooLargeError
	var sl *symlinkError
	return errors.As(err, &nr) || errors.As(err, &tl) || errors.As(err, &sl)
}

func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	default:
		return "mode " + m.String()
	}
}

func size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	default:
		return fmt.Sprintf("%d-byte", n)
	}
}
