// Package oskeyring is the OS keyring (macOS Keychain, Windows Credential
// Manager, the Secret Service over D-Bus) through go-keyring, as a
// store.Keyring. It is a package of its own so that whatever does not
// import it links no keyring library: the lean binary on Linux reads keys
// only from the kernel keyring cache and hands a miss to tip-cli (#23).
package oskeyring

import (
	"errors"
	"fmt"

	"github.com/zalando/go-keyring"

	"github.com/tip-cli/tip-cli/internal/store/keyringerr"
)

// Keyring is the OS keyring. The zero value is ready to use.
type Keyring struct{}

// New returns the OS keyring.
func New() Keyring { return Keyring{} }

// Get returns the item's value; keyringerr.ErrNotFound when there is none.
func (Keyring) Get(service, user string) (string, error) {
	v, err := keyring.Get(service, user)
	return v, translate(err)
}

// Set stores the item; keyringerr.ErrTooBig when the platform refuses its
// size.
func (Keyring) Set(service, user, password string) error {
	return translate(keyring.Set(service, user, password))
}

// Delete removes the item; keyringerr.ErrNotFound when there is none.
func (Keyring) Delete(service, user string) error { return translate(keyring.Delete(service, user)) }

// translate maps go-keyring's sentinel errors to keyringerr's.
func translate(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, keyring.ErrNotFound):
		return keyringerr.ErrNotFound
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return fmt.Errorf("%w: %w", keyringerr.ErrTooBig, err)
	}
	return err
}
