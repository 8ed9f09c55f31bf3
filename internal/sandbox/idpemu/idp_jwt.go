package idpemu

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// idpGrant is what a successful authorization established: who signed in,
// for which client and scopes, and when.
type idpGrant struct {
	user     User
	clientID string
	scopes   []string
	authTime time.Time
	nonce    string // only from the authorization code flow
}

// idpFamily is one grant's chain of rotating refresh tokens. Revoking it
// kills every refresh and access token of the chain.
type idpFamily struct {
	grant   idpGrant
	revoked bool
}

// idpRefresh is one refresh token; used means it was already rotated.
type idpRefresh struct {
	family string
	used   bool
}

// idpAccess is one opaque access token.
type idpAccess struct {
	user    User
	family  string
	expires time.Time
}

// idTokenClaims builds the OpenID Connect Core §2 claims for g at now.
func (i *IdP) idTokenClaims(g idpGrant, now time.Time) map[string]any {
	groups := slices.Clone(g.user.Groups)
	if groups == nil {
		groups = []string{}
	}
	c := map[string]any{
		"iss":            i.issuer,
		"aud":            g.clientID,
		"sub":            g.user.Subject,
		"email":          g.user.Email,
		"email_verified": true,
		"name":           g.user.Name,
		"groups":         groups,
		"iat":            now.Unix(),
		"exp":            now.Add(i.ttl).Unix(),
		"auth_time":      g.authTime.Unix(),
	}
	if !i.noJTI {
		c["jti"] = idpRandom(16)
	}
	if g.nonce != "" {
		c["nonce"] = g.nonce
	}
	return c
}

// sign serializes claims as a compact RS256 JWS with the IdP kid.
func (i *IdP) sign(claims map[string]any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("encode claims: %w", err)
	}
	i.keyMu.RLock()
	signer := i.signer
	i.keyMu.RUnlock()
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	return jws.CompactSerialize()
}

// issueLocked creates an ID token, an access token and a refresh token for
// g and returns the response with the family id. An empty family starts a
// new grant family. The caller holds i.mu.
func (i *IdP) issueLocked(g idpGrant, family string) (map[string]any, string, error) {
	now := i.now()
	claims := i.idTokenClaims(g, now)
	if i.shape != nil {
		i.shape(claims)
	}
	idToken, err := i.sign(claims)
	if err != nil {
		return nil, "", fmt.Errorf("issue tokens: %w", err)
	}
	if family == "" {
		family = idpRandom(12)
		i.families[family] = &idpFamily{grant: g}
	}
	access := idpRandom(32)
	i.access[access] = &idpAccess{user: g.user, family: family, expires: now.Add(i.ttl)}
	refresh := idpRandom(32)
	i.refresh[refresh] = &idpRefresh{family: family}
	i.pruneAccessLocked(now)
	return map[string]any{
		"access_token":  access,
		"token_type":    "Bearer",
		"expires_in":    int64(i.ttl / time.Second),
		"refresh_token": refresh,
		"id_token":      idToken,
		"scope":         strings.Join(g.scopes, " "),
	}, family, nil
}

// pruneAccessLocked drops expired access tokens so a long-running server
// does not grow without bound. The caller holds i.mu.
func (i *IdP) pruneAccessLocked(now time.Time) {
	for k, a := range i.access {
		if now.After(a.expires) {
			delete(i.access, k)
		}
	}
}
