package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
)

// keyringUnreachableError is every call's error when the OS keyring cannot
// be reached (no session bus, locked, its service gone) while the config
// directory's secrets are in it: going on with plaintext files would ask
// for a sign-in and quietly write its tokens in the clear (issue #22).
type keyringUnreachableError struct {
	// Dir is the config directory.
	Dir string
	// Err is why the keyring cannot be reached.
	Err error
}

func (e *keyringUnreachableError) Error() string {
	return "the OS keyring holds the secrets of " + e.Dir + " but cannot be reached (" + e.Err.Error() +
		"): unlock your keyring or set TIP_CLI_STORE=file"
}

func (e *keyringUnreachableError) Unwrap() error { return e.Err }

// keyringMarkerName is the file under the config directory that records
// that the keyring store has sealed secrets there (written with the first
// sealed file, kept after a logout): the directory's secrets belong in the
// keyring, so a keyring that cannot be reached is never a reason to write
// them in plaintext.
const keyringMarkerName = "keyring-store-used"

// keyringHistory reports whether dir's secrets are (or were) in the OS
// keyring: the marker, or a sealed file. At most one stat and one
// directory read, made only when the keyring cannot be reached (or, with
// no session bus, by each automatic Open).
func keyringHistory(dir string) bool {
	if _, err := os.Lstat(filepath.Join(dir, keyringMarkerName)); err == nil {
		return true
	}
	entries, err := os.ReadDir(filepath.Join(dir, SecretsDirName))
	if err != nil {
		return false
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sealed") {
			return true
		}
	}
	return false
}

// refusingStore is the store of a directory with keyring history when no
// session bus is there at all: every call returns its error.
type refusingStore struct{ err error }

func (r refusingStore) Name() string { return "keyring" }

func (r refusingStore) Get(context.Context, string) (*Bundle, error) { return nil, r.err }

func (r refusingStore) GetServed(context.Context, string) (*Served, error) { return nil, r.err }

func (r refusingStore) Put(context.Context, string, *Bundle) error { return r.err }

func (r refusingStore) Delete(context.Context, string) error { return r.err }

// markKeyringUsed creates the keyring marker if it is missing (best
// effort; O_EXCL|O_NOFOLLOW: never through a planted link).
func markKeyringUsed(dir string) {
	marker := filepath.Join(dir, keyringMarkerName)
	if _, err := os.Lstat(marker); err == nil {
		return
	}
	f, err := os.OpenFile(marker, os.O_WRONLY|os.O_CREATE|os.O_EXCL|oNoFollow, 0o600)
	if err == nil {
		_, _ = f.WriteString("this directory's secrets are sealed under keys in the OS keyring\n")
		_ = f.Close()
	}
}
