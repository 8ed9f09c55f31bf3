//go:build !linux

package lean

import (
	"github.com/tip-cli/tip-cli/internal/store"
	"github.com/tip-cli/tip-cli/internal/store/oskeyring"
)

// osKeyring is the OS keyring: Windows' Credential Manager read is a
// system call, and on macOS reading through /usr/bin/security here still
// costs less than handing the call to tip-cli, which would run it too (see
// docs/performance.md).
func osKeyring() store.Keyring { return oskeyring.New() }
