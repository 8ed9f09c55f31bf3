package storetest

import "golang.org/x/sys/unix"

// KernelKeyringUsable reports whether this process can use the kernel
// keyring, for the tests of store.KernelKeyCache that need a real one.
func KernelKeyringUsable() bool {
	_, err := unix.KeyctlGetKeyringID(unix.KEY_SPEC_USER_KEYRING, true)
	return err == nil
}
