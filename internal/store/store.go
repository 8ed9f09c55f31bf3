// Package store keeps each profile's secrets (IdP tokens, identity-enhanced
// credentials, S3 Access Grants credentials) as one bundle per profile, so
// the cached credential_process path reads a backend exactly once.
//
// Backends: the OS keyring holding one random key per profile and config
// directory with the bundle sealed (AES-256-GCM) in an owner-only file
// (format v2, sealed files v3, see KeyringStore), with a per-login cache of
// the keys in the kernel keyring on Linux (KeyCache); plain owner-only
// files when no keyring is reachable and the directory has no keyring
// history; memory for tests. The keyring library itself is behind package
// oskeyring, so what does not import that (the lean binary on Linux) links
// no D-Bus. A per-profile lock serialises refreshes across processes.
package store

import (
	"context"

	"github.com/tip-cli/tip-cli/internal/cred"
)

// Store persists one Bundle per profile.
//
// Get returns (nil, nil) when the profile has nothing stored, and also when
// what is stored cannot be read back whole (a torn or partial item reads as
// absent, never as garbage).
//
// GetServed is the warm path's read: only the served part (sessions and
// grants), never the IdP tokens. Get and Put move the whole bundle and are
// for the refresh path, under the profile lock.
type Store interface {
	Get(ctx context.Context, profile string) (*Bundle, error)
	GetServed(ctx context.Context, profile string) (*Served, error)
	Put(ctx context.Context, profile string, b *Bundle) error
	Delete(ctx context.Context, profile string) error
	// Name is the backend name shown by `auth status` ("keyring", "file", "memory").
	Name() string
}

// Bundle is everything secret tip-cli keeps for one profile. Sessions and
// Grants are the served part (see Served); every other field (the IdP
// tokens and whatever is added next to them) is sealed apart, so a new
// field is kept away from the warm path unless it is added to Served.
type Bundle struct {
	// IdP holds the tokens from the IdP sign-in.
	IdP *cred.Tokens `json:"idp,omitempty"`
	// Sessions are identity-enhanced credentials keyed by session scope:
	// "" for the unscoped session, otherwise a digest of the session
	// policies (#7), so each scope is cached apart.
	Sessions map[string]*cred.Credentials `json:"sessions,omitempty"`
	// Grants are S3 Access Grants credentials (#4).
	Grants []*cred.Grant `json:"grants,omitempty"`
	// Presented is the assertion ledger: digests of the ID tokens already
	// presented to CreateTokenWithIAM (see ledger.go).
	Presented []Presented `json:"presented,omitempty"`
}

// Session returns the cached credentials for scope, or nil.
func (b *Bundle) Session(scope string) *cred.Credentials {
	if b == nil || b.Sessions == nil {
		return nil
	}
	return b.Sessions[scope]
}

// SetSession stores credentials for scope.
func (b *Bundle) SetSession(scope string, c *cred.Credentials) {
	if b.Sessions == nil {
		b.Sessions = map[string]*cred.Credentials{}
	}
	b.Sessions[scope] = c
}

// Served is the part of a bundle the warm path serves: identity-enhanced
// sessions and S3 Access Grants credentials, never an IdP token.
type Served struct {
	Sessions map[string]*cred.Credentials `json:"sessions,omitempty"`
	Grants   []*cred.Grant                `json:"grants,omitempty"`
}

// Session returns the cached credentials for scope, or nil.
func (s *Served) Session(scope string) *cred.Credentials {
	if s == nil || s.Sessions == nil {
		return nil
	}
	return s.Sessions[scope]
}

// ServedPart returns the served part of b (sharing its maps and slices),
// or nil for a nil bundle.
func (b *Bundle) ServedPart() *Served {
	if b == nil {
		return nil
	}
	return &Served{Sessions: b.Sessions, Grants: b.Grants}
}

// withoutServed returns a shallow copy of b without the served part: what
// the keyring store seals apart from it.
func (b *Bundle) withoutServed() *Bundle {
	c := *b
	c.Sessions, c.Grants = nil, nil
	return &c
}
