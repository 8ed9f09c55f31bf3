//go:build !linux

package storetest

// KernelKeyringUsable reports false: only Linux has a kernel keyring.
func KernelKeyringUsable() bool { return false }
