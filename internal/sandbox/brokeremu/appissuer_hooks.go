package brokeremu

import (
	"crypto/rsa"
	"sync"
	"time"
)

// The test hooks of the application token issuer: its URL, issuer, key id
// and public key for tests to check or forge against, key rotation, the JWK
// Set fetch counter, and a slow, held or failing JWK Set endpoint.

// RotateKey replaces the signing key; the JWK Set then serves only the new
// key. If key generation fails the current key stays.
func (i *AppIssuer) RotateKey() {
	key, kid, err := appNewKey(nil)
	if err != nil {
		return
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.key, i.kid = key, kid
}

// JWKSFetches is the number of JWK Set requests served, failed ones included.
func (i *AppIssuer) JWKSFetches() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.fetches
}

// SetJWKSDelay makes every JWK Set response wait d first (0: no delay).
func (i *AppIssuer) SetJWKSDelay(d time.Duration) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.delay = d
}

// HoldJWKS makes every JWK Set request (fetches counted as they arrive)
// wait for its answer until release is called or the client goes away, so
// a test can show a caller gave up before the fetch could have ended,
// without measuring time.
func (i *AppIssuer) HoldJWKS() (release func()) {
	hold := make(chan struct{})
	i.mu.Lock()
	i.hold = hold
	i.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			i.mu.Lock()
			i.hold = nil
			i.mu.Unlock()
			close(hold)
		})
	}
}

// SetJWKSStatus makes the JWK Set endpoint answer with HTTP status code
// and a JSON error instead of the keys; 0 or 200 restores normal answers.
func (i *AppIssuer) SetJWKSStatus(code int) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.status = code
}

// URL is the base URL, "http://127.0.0.1:PORT".
func (i *AppIssuer) URL() string { return i.url }

// Issuer is the "iss" that Mint adds.
func (i *AppIssuer) Issuer() string { return i.issuer }

// KeyID is the kid of the current signing key.
func (i *AppIssuer) KeyID() string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.kid
}

// PublicKey is the current public key (e.g. to forge an HS256 token keyed
// with its bytes).
func (i *AppIssuer) PublicKey() *rsa.PublicKey {
	i.mu.Lock()
	defer i.mu.Unlock()
	return &i.key.PublicKey
}
