package idpemu

import "maps"

// The test hooks of the IdP: what tests read (Counts) and how they steer
// it (DenyNext, RevokeAll). Signing-key and token-shape options are in
// IdPOptions; MintIDToken mints tokens directly.

// DenyNext makes the next valid /authorize request redirect back with
// error=oauthError (for example "access_denied") instead of a code.
func (i *IdP) DenyNext(oauthError string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.denyNext = oauthError
}

// ReuseRevokedCount counts refresh tokens presented a second time (each
// revoked its whole grant): a client that never replays keeps it at 0.
const ReuseRevokedCount = "refresh_reuse_revoked"

// Counts returns a copy of the request counters: "authorize",
// "token:authorization_code", "token:refresh_token", "token:device_code",
// "device_authorization", "device_verification", "userinfo", "jwks",
// "discovery", and ReuseRevokedCount.
func (i *IdP) Counts() map[string]int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return maps.Clone(i.counts)
}

// RevokeAll invalidates every refresh token and access token issued so far;
// presenting one afterwards yields invalid_grant (invalid_token at userinfo).
func (i *IdP) RevokeAll() {
	i.mu.Lock()
	defer i.mu.Unlock()
	for _, f := range i.families {
		f.revoked = true
	}
}
