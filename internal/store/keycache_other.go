//go:build !linux

package store

// KernelKeyCache returns nil: only Linux has a kernel keyring. macOS and
// Windows read the OS keyring on every call (see docs/performance.md).
func KernelKeyCache() KeyCache { return nil }
