package idpemu

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"maps"
	"sync"
)

// The test hooks of the IdP: what tests read (Counts, SigningKey), how
// they steer it (DenyNext, RevokeAll, SetUser, ApproveDevice, DenyDevice,
// RotateSigningKey, ShapeIDTokens) and MintIDToken, which mints tokens
// directly. Signing-key and token-shape options are in IdPOptions. Only
// tests call them: a shipped binary must not link any exported function of
// a *hooks.go file (TestShippedBinariesLinkNoTestCode in internal/cmd/demo
// checks the built binaries' symbols), so *IdP must never be converted to
// an interface (see awsemu's hooks.go).

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

// SigningKey is the private key that signs ID tokens.
func (i *IdP) SigningKey() *rsa.PrivateKey {
	i.keyMu.RLock()
	defer i.keyMu.RUnlock()
	return i.key
}

// SetUser selects, by email, the user that simulated browser sign-ins and
// device approvals authenticate as.
func (i *IdP) SetUser(email string) error {
	u, err := i.lookupUser(email)
	if err != nil {
		return fmt.Errorf("set user: %w", err)
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.current = u
	return nil
}

// lookupUser finds a user by email.
func (i *IdP) lookupUser(email string) (User, error) {
	for _, u := range i.users {
		if u.Email == email {
			return u, nil
		}
	}
	return User{}, fmt.Errorf("unknown user %q", email)
}

// ApproveDevice approves a pending device authorization as the current user,
// as if the user had entered userCode at the verification URI.
func (i *IdP) ApproveDevice(userCode string) error {
	if err := i.decideDevice(userCode, true); err != nil {
		return fmt.Errorf("approve device: %w", err)
	}
	return nil
}

// DenyDevice denies a pending device authorization; the device then gets
// access_denied.
func (i *IdP) DenyDevice(userCode string) error {
	if err := i.decideDevice(userCode, false); err != nil {
		return fmt.Errorf("deny device: %w", err)
	}
	return nil
}

// MintIDToken returns an ID token for the user with that email, signed by
// the IdP key, as the token endpoint would issue it (without nonce). mutate,
// if not nil, may change the claims before signing, so tests can forge
// expired, wrong-audience or wrong-issuer tokens.
func (i *IdP) MintIDToken(email string, mutate func(claims map[string]any)) (string, error) {
	u, err := i.lookupUser(email)
	if err != nil {
		return "", fmt.Errorf("mint id token: %w", err)
	}
	now := i.now()
	claims := i.idTokenClaims(idpGrant{user: u, clientID: i.clientID, authTime: now}, now)
	if mutate != nil {
		mutate(claims)
	}
	tok, err := i.sign(claims)
	if err != nil {
		return "", fmt.Errorf("mint id token: %w", err)
	}
	return tok, nil
}

// RotateSigningKey replaces the signing key with a fresh one (new kid), as
// an IdP rotating its keys does: tokens issued from now on carry the new
// kid and the JWKS publishes only the new key.
func (i *IdP) RotateSigningKey() error {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return fmt.Errorf("rotate signing key: %w", err)
	}
	i.keyMu.Lock()
	defer i.keyMu.Unlock()
	i.key = k
	return i.initSigner()
}

// ShapeIDTokens makes the token endpoint (authorization code, refresh and
// device grants) pass the claims of every ID token it issues from now on
// through shape before signing; nil restores plain tokens. Tests use it to
// have the real sign-in and refresh paths receive tokens a misbehaving or
// hostile IdP would issue: several audiences with or without azp, an iat in
// the future, escape sequences in iss. The caller must not keep claims.
func (i *IdP) ShapeIDTokens(shape func(claims map[string]any)) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.shape = shape
}

// MultiAudience returns a shape giving ID tokens the audiences aud (after
// the client id) and, when azp is not "", that azp claim.
func MultiAudience(azp string, aud ...string) func(map[string]any) {
	return func(c map[string]any) {
		all := []any{c["aud"]}
		for _, a := range aud {
			all = append(all, a)
		}
		c["aud"] = all
		if azp != "" {
			c["azp"] = azp
		}
	}
}

// refreshHold is HoldRefreshAnswers' state.
type refreshHold struct {
	spent   chan struct{}
	release chan struct{}
}

// HoldRefreshAnswers makes every successful refresh, once its refresh
// token is spent (rotated), signal on spent and keep its answer until
// release is called (or the client goes away), so a test can kill the
// client between the IdP's rotation and its answer, deterministically.
func (i *IdP) HoldRefreshAnswers() (spent <-chan struct{}, release func()) {
	h := &refreshHold{spent: make(chan struct{}, 64), release: make(chan struct{})}
	i.mu.Lock()
	i.refreshHold = h
	i.mu.Unlock()
	var once sync.Once
	return h.spent, func() {
		once.Do(func() {
			i.mu.Lock()
			i.refreshHold = nil
			i.mu.Unlock()
			close(h.release)
		})
	}
}
