// Package testkey hands tests RSA-2048 keys generated once per test binary:
// a fresh key costs ~130 ms, and every sandbox IdP, AWS emulator and token
// issuer needs one. Pass them through the fixtures' Key options.
package testkey

import (
	"crypto/rand"
	"crypto/rsa"
	"sync"
	"testing"
)

// keys are generated on first use; the slice is never reassigned.
var keys = [2]func() (*rsa.PrivateKey, error){
	sync.OnceValues(generate),
	sync.OnceValues(generate),
}

func generate() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) }

// RSA returns the binary's shared signing key.
func RSA(t testing.TB) *rsa.PrivateKey { return get(t, 0) }

// Other returns a second shared key, for tokens signed by someone else.
func Other(t testing.TB) *rsa.PrivateKey { return get(t, 1) }

func get(t testing.TB, i int) *rsa.PrivateKey {
	t.Helper()
	k, err := keys[i]()
	if err != nil {
		t.Fatalf("generate test key: %v", err)
	}
	return k
}
