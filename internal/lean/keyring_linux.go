package lean

import "github.com/tip-cli/tip-cli/internal/store"

// osKeyring is nil on Linux: the lean binary links no D-Bus (and so no
// net); it reads profile keys from the kernel keyring cache only and hands
// a miss to tip-cli (#23).
func osKeyring() store.Keyring { return nil }
