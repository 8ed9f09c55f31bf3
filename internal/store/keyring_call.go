package store

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/tip-cli/tip-cli/internal/store/keyringerr"
)

// KeyringService is the service name of every keyring item tip-cli writes.
const KeyringService = "tip-cli"

// Keyring is the OS keyring as the store uses it. Errors are keyringerr's
// (keyringerr.ErrNotFound for a missing item). oskeyring.Keyring is the
// real one; tests inject storetest.Keyring.
type Keyring interface {
	Get(service, user string) (string, error)
	Set(service, user, password string) error
	Delete(service, user string) error
}

// defaultKeyringTimeout bounds one OS keyring call: long enough for a
// person to answer an unlock prompt, short enough that a hung Secret
// Service fails a credential_process before the Go SDK kills it (1 min).
const defaultKeyringTimeout = 20 * time.Second

// keyringTimeoutError: the OS keyring did not answer one call in time.
type keyringTimeoutError struct{ After time.Duration }

func (e *keyringTimeoutError) Error() string {
	return "the OS keyring did not answer within " + e.After.String() +
		" (a hung or locked Secret Service / keychain): unlock or restart it, or set TIP_CLI_STORE=file"
}

// ErrNoOSKeyring is what a keyring store without an OS keyring (the lean
// binary on Linux, which links no D-Bus) returns when a key is not in the
// kernel keyring cache, or the cached key does not open the file: the
// caller hands the call to tip-cli, which reads the OS keyring.
var ErrNoOSKeyring = errors.New("keyring store: key not cached in the kernel keyring and no OS keyring in this process")

// Stats is a store's own count of what it did in this process: how many
// keyring items it read, wrote and deleted, how many sealed files it read
// and how many sections it decrypted. `--debug` logs it at exit, which is
// how CI and scripts/bench.sh count the warm path's keyring reads against
// the real Secret Service.
type Stats struct {
	KeyringReads   int64 `json:"keyring_reads"`
	KeyringWrites  int64 `json:"keyring_writes"`
	KeyringDeletes int64 `json:"keyring_deletes"`
	FileReads      int64 `json:"file_reads"`
	Decryptions    int64 `json:"decryptions"`
	// CacheHits counts keys read from the kernel keyring cache (KeyCache).
	CacheHits int64 `json:"cache_hits"`
}

// counters backs Stats; safe for concurrent use.
type counters struct {
	keyringReads, keyringWrites, keyringDeletes, fileReads, decryptions, cacheHits atomic.Int64
}

func (c *counters) snapshot() Stats {
	return Stats{
		KeyringReads: c.keyringReads.Load(), KeyringWrites: c.keyringWrites.Load(),
		KeyringDeletes: c.keyringDeletes.Load(), FileReads: c.fileReads.Load(), Decryptions: c.decryptions.Load(),
		CacheHits: c.cacheHits.Load(),
	}
}

// get reads one item; found is false when the keyring has no such item.
func (s *KeyringStore) get(ctx context.Context, user string) (string, bool, error) {
	if s.kr == nil {
		return "", false, ErrNoOSKeyring
	}
	s.n.keyringReads.Add(1)
	val, err := bounded(ctx, s.CallTimeout, func() (string, error) { return s.kr.Get(s.Service, user) })
	if errors.Is(err, keyringerr.ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, &backendError{op: "read", err: err}
	}
	return val, true, nil
}

// set writes one item.
func (s *KeyringStore) set(ctx context.Context, user, val string) error {
	if s.kr == nil {
		return ErrNoOSKeyring
	}
	s.n.keyringWrites.Add(1)
	_, err := bounded(ctx, s.CallTimeout, func() (struct{}, error) { return struct{}{}, s.kr.Set(s.Service, user, val) })
	if err != nil {
		return &backendError{op: "write", err: err}
	}
	return nil
}

// del deletes one item; a missing item is not an error.
func (s *KeyringStore) del(ctx context.Context, user string) error {
	err := s.rawDelete(ctx, user)
	if err != nil && !errors.Is(err, keyringerr.ErrNotFound) {
		return &backendError{op: "delete", err: err}
	}
	return nil
}

// rawDelete deletes one item, returning the backend's error unwrapped.
func (s *KeyringStore) rawDelete(ctx context.Context, user string) error {
	if s.kr == nil {
		return ErrNoOSKeyring
	}
	s.n.keyringDeletes.Add(1)
	_, err := bounded(ctx, s.CallTimeout, func() (struct{}, error) { return struct{}{}, s.kr.Delete(s.Service, user) })
	return err
}

// backendError is an error reported by the keyring itself (as opposed to a
// bad profile name or a file error); the automatic backend falls back to
// files only on these.
type backendError struct {
	op  string
	err error
}

func (e *backendError) Error() string { return "keyring: " + e.op + ": " + e.err.Error() }
func (e *backendError) Unwrap() error { return e.err }

// bounded is run with ctx limited to timeout (0: defaultKeyringTimeout),
// reporting its own expiry as a keyringTimeoutError.
func bounded[T any](ctx context.Context, timeout time.Duration, fn func() (T, error)) (T, error) {
	if timeout <= 0 {
		timeout = defaultKeyringTimeout
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	v, err := run(cctx, fn)
	if err != nil && ctx.Err() == nil && errors.Is(cctx.Err(), context.DeadlineExceeded) {
		return v, &keyringTimeoutError{After: timeout}
	}
	return v, err
}

// run calls fn, giving up when ctx ends: keyring calls take no context and
// may block on an unlock prompt. An abandoned call finishes in the
// background; its result is discarded.
func run[T any](ctx context.Context, fn func() (T, error)) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	if ctx.Done() == nil {
		return fn()
	}
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := fn()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}
