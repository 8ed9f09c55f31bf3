//go:build !unix

package testport

import "sync"

var claimed sync.Map

// claim reserves path within this process only (no file locks here); the
// tests that need ports run on Linux.
func claim(path string) (release func(), ok bool) {
	if _, taken := claimed.LoadOrStore(path, true); taken {
		return nil, false
	}
	return func() { claimed.Delete(path) }, true
}
