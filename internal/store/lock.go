package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
)

// LocksDirName is the directory under the config directory that holds the
// per-profile lock files.
const LocksDirName = "locks"

// lockPollInterval is how often a waiter retries the lock.
const lockPollInterval = 20 * time.Millisecond

// lockTimeoutError says another process held profile's lock for longer
// than the caller was willing to wait.
type lockTimeoutError struct {
	Profile string
	Waited  time.Duration
	// Path is the lock file.
	Path string
}

func (e *lockTimeoutError) Error() string {
	return fmt.Sprintf("another tip-cli is refreshing %s; gave up after %s waiting for its lock "+
		"(if no tip-cli is running, remove %s)", DisplayName(e.Profile), e.Waited, e.Path)
}

// Lock takes the cross-process lock of profile (a profile name, or a
// shared sign-in's SignInKey), an exclusive flock on
// <dir>/locks/<profile>.lock (file 0600, directory 0700), polling until it
// is free, ctx ends, or timeout (if positive) passes; the latter returns a
// *lockTimeoutError. The returned unlock releases the lock; it is safe to
// call more than once.
//
// The lock belongs to the open file description, and the kernel releases
// it when the holder exits in any way, SIGKILL included, so no stale-lock
// detection is needed: the lock file itself is left in place and never
// means "locked" by merely existing.
func Lock(ctx context.Context, dir, profile string, timeout time.Duration) (unlock func(), err error) {
	enc, err := encodeProfile(profile)
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	if dir == "" {
		return nil, errors.New("lock: no config directory")
	}
	unlock, err = lockFile(ctx, filepath.Join(dir, LocksDirName), enc+".lock", timeout)
	var te *lockTimeout
	if errors.As(err, &te) {
		return nil, &lockTimeoutError{Profile: profile, Waited: timeout, Path: te.path}
	}
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", DisplayName(profile), err)
	}
	return unlock, nil
}

// lockTimeout is lockFile's timeout; Lock turns it into *lockTimeoutError.
type lockTimeout struct{ path string }

func (e *lockTimeout) Error() string { return "timed out waiting for " + e.path }

// lockFile takes an exclusive flock on <locks>/<name> (created 0600 in a
// 0700 directory that must not be a symbolic link; the file is opened
// without following a symbolic link, so a planted link cannot make tip-cli
// create or lock another file, and without blocking, so a planted FIFO
// cannot hang it).
func lockFile(ctx context.Context, locks, name string, timeout time.Duration) (func(), error) {
	if err := ensurePrivateDir(locks); err != nil {
		return nil, err
	}
	path := filepath.Join(locks, name)
	fl := flock.New(path, flock.SetPermissions(0o600), flock.SetFlag(os.O_CREATE|os.O_RDONLY|oNoFollow|oNonBlock))
	waitCtx := ctx
	if timeout > 0 {
		var cancel context.CancelFunc
		waitCtx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	ok, err := fl.TryLockContext(waitCtx, lockPollInterval)
	if ok {
		return func() { _ = fl.Unlock() }, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if waitCtx.Err() != nil {
		return nil, &lockTimeout{path: path}
	}
	return nil, symlinkHint(err)
}
