package brokeremu

import "time"

// The test hooks of the application token issuer: key rotation, the JWK
// Set fetch counter, and a slow or failing JWK Set endpoint.

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

// SetJWKSStatus makes the JWK Set endpoint answer with HTTP status code
// and a JSON error instead of the keys; 0 or 200 restores normal answers.
func (i *AppIssuer) SetJWKSStatus(code int) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.status = code
}
