// Package keyringerr holds the errors of the OS keyring as the store sees
// them, apart from any keyring library: the store and its test keyring
// use them, and only package oskeyring (linked by tip-cli, never by the
// lean binary on Linux) translates go-keyring's errors into them, so the
// store links no D-Bus library.
package keyringerr

import "errors"

// ErrNotFound is a keyring's answer for an item that does not exist.
var ErrNotFound = errors.New("secret not found in keyring")

// ErrTooBig is a keyring's refusal of an item over its platform's limit.
var ErrTooBig = errors.New("data passed to Set was too big")
