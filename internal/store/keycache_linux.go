package store

import (
	"golang.org/x/sys/unix"
)

// Permissions of a cache entry: view, read, write, search, link and
// set-attribute for processes of the same user (the reach the Secret
// Service has), nothing for anyone else, and nothing for a possessor as
// such: possessor rights are added to a process's own, so a process of
// another user that inherited the session keyring (started through setuid
// without a new session, e.g. setpriv or a sudo without pam_keyinit) would
// otherwise read the key.
const kernelKeyPerm = 0x003f0000

// maxCachedValue bounds what a cache read accepts: a key item is 58 bytes.
const maxCachedValue = 256

// kernelKeyCache keeps cache entries as "user" keys in the user keyring
// (@u), shared by the user's processes, each with a timeout of keyCacheTTL.
type kernelKeyCache struct{}

// KernelKeyCache returns the kernel keyring cache. It makes no system call
// until used (the file store's warm path never uses it). Where the kernel
// keyring cannot be used (a kernel without it, a container whose seccomp
// profile refuses keyctl) every Get misses and Set does nothing: tip-cli
// reads every key from the OS keyring, as before the cache existed, and
// the lean binary hands keyring-store calls to tip-cli.
func KernelKeyCache() KeyCache { return kernelKeyCache{} }

// Get implements KeyCache: search @u, read the payload.
func (kernelKeyCache) Get(name string) (string, bool) {
	id, err := unix.KeyctlSearch(unix.KEY_SPEC_USER_KEYRING, "user", keyCacheDescription(name), 0)
	if err != nil {
		return "", false
	}
	buf := make([]byte, maxCachedValue)
	n, err := unix.KeyctlBuffer(unix.KEYCTL_READ, id, buf, 0)
	if err != nil || n > len(buf) {
		return "", false
	}
	return string(buf[:n]), true
}

// Set implements KeyCache. The key is created in the process keyring
// (which dies with the process), given its permissions and timeout, and
// only then linked into @u, displacing any older entry of the same name:
// a process killed half-way leaves no entry without a timeout. (After the
// permissions are set, the steps run on the same user's rights.)
func (kernelKeyCache) Set(name, value string) {
	id, err := unix.AddKey("user", keyCacheDescription(name), []byte(value), unix.KEY_SPEC_PROCESS_KEYRING)
	if err != nil {
		return
	}
	defer func() { _, _ = unix.KeyctlInt(unix.KEYCTL_UNLINK, id, unix.KEY_SPEC_PROCESS_KEYRING, 0, 0) }()
	if unix.KeyctlSetperm(id, kernelKeyPerm) != nil {
		return
	}
	if _, err := unix.KeyctlInt(unix.KEYCTL_SET_TIMEOUT, id, int(keyCacheTTL.Seconds()), 0, 0); err != nil {
		return
	}
	_, _ = unix.KeyctlInt(unix.KEYCTL_LINK, id, unix.KEY_SPEC_USER_KEYRING, 0, 0)
}

// Delete implements KeyCache: invalidate the entry (gone for every
// process at once), or at least unlink it from @u.
func (kernelKeyCache) Delete(name string) {
	for range 4 { // one entry normally; a concurrent Set may add one more
		id, err := unix.KeyctlSearch(unix.KEY_SPEC_USER_KEYRING, "user", keyCacheDescription(name), 0)
		if err != nil {
			return
		}
		if _, err := unix.KeyctlInt(unix.KEYCTL_INVALIDATE, id, 0, 0, 0); err != nil {
			_, _ = unix.KeyctlInt(unix.KEYCTL_UNLINK, id, unix.KEY_SPEC_USER_KEYRING, 0, 0)
		}
	}
}
