package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
)

// KeyringUnreachableError is every call's error when the OS keyring cannot
// be reached (no session bus, locked, its service gone) while the config
// directory's secrets are in it: going on with plaintext files would ask
// for a sign-in and quietly write its tokens in the clear (issue #22).
type KeyringUnreachableError struct {
	// Dir is the config directory.
	Dir string
	// Err is why the keyring cannot be reached.
	Err error
}

func (e *KeyringUnreachableError) Error() string {
	return "the OS keyring holds the secrets of " + e.Dir + " but cannot be reached (" + e.Err.Error() +
		"): unlock your keyring or set TIP_CLI_STORE=file"
}

func (e *KeyringUnreachableError) Unwrap() error { return e.Err }

// keyringHistory reports whether dir's secrets are in the OS keyring: the
// keyring store has a sealed file there. One directory read, made only
// when the keyring cannot be reached.
func keyringHistory(dir string) bool {
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
