// Package store keeps each profile's secrets (IdP tokens, identity-enhanced
// credentials, S3 Access Grants credentials) as one bundle per profile, so
// the cached credential_process path reads a backend exactly once.
//
// Backends: the OS keyring holding one random key per profile with the
// bundle sealed (AES-256-GCM) in an owner-only file (format v2, see
// KeyringStore), plain owner-only files when no keyring is reachable, and
// memory for tests. A per-profile lock serialises refreshes across
// processes.
package store

import (
	"context"
	"time"
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
	IdP *Tokens `json:"idp,omitempty"`
	// Sessions are identity-enhanced credentials keyed by session scope:
	// "" for the unscoped session, otherwise a digest of the session
	// policies (#7), so each scope is cached apart.
	Sessions map[string]*Credentials `json:"sessions,omitempty"`
	// Grants are S3 Access Grants credentials (#4).
	Grants []*Grant `json:"grants,omitempty"`
	// Presented is the assertion ledger: digests of the ID tokens already
	// presented to CreateTokenWithIAM (see ledger.go).
	Presented []Presented `json:"presented,omitempty"`
}

// Tokens are the IdP's OAuth 2.0 / OIDC tokens.
type Tokens struct {
	IDToken      string `json:"id_token"`
	AccessToken  string `json:"access_token,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
	// Expiry is the ID token's exp claim.
	Expiry time.Time `json:"expiry"`
	// Subject and Email are display data from the verified ID token.
	Subject string `json:"sub,omitempty"`
	Email   string `json:"email,omitempty"`
	// IssuedAt is when tip-cli received the tokens (local clock).
	IssuedAt time.Time `json:"issued_at"`
}

// Credentials are temporary AWS credentials.
type Credentials struct {
	AccessKeyID     string    `json:"access_key_id"`
	SecretAccessKey string    `json:"secret_access_key"`
	SessionToken    string    `json:"session_token"`
	Expiration      time.Time `json:"expiration"`
	// AccountID comes from the assumed-role ARN.
	AccountID string `json:"account_id,omitempty"`
	// RoleARN is the assumed-role ARN (arn:aws:sts::ACCT:assumed-role/R/S).
	AssumedRoleARN string `json:"assumed_role_arn,omitempty"`
	// Identity is the Identity Center user id the session carries.
	Identity string `json:"identity,omitempty"`
	// MintedAt is when tip-cli obtained the credentials (local clock); the
	// expiry policy always serves just-minted credentials.
	MintedAt time.Time `json:"minted_at"`
}

// Grant is one set of S3 Access Grants credentials and the scope it covers.
type Grant struct {
	// Target is the MatchedGrantTarget (e.g. s3://bucket/prefix/*).
	Target     string `json:"target"`
	Permission string `json:"permission"`
	Privilege  string `json:"privilege"`
	TargetType string `json:"target_type,omitempty"`
	// Requested is the S3 URI asked for when Privilege is Minimal (the
	// credentials then cover only that target).
	Requested   string       `json:"requested,omitempty"`
	Credentials *Credentials `json:"credentials"`
}

// Session returns the cached credentials for scope, or nil.
func (b *Bundle) Session(scope string) *Credentials {
	if b == nil || b.Sessions == nil {
		return nil
	}
	return b.Sessions[scope]
}

// SetSession stores credentials for scope.
func (b *Bundle) SetSession(scope string, c *Credentials) {
	if b.Sessions == nil {
		b.Sessions = map[string]*Credentials{}
	}
	b.Sessions[scope] = c
}

// Served is the part of a bundle the warm path serves: identity-enhanced
// sessions and S3 Access Grants credentials, never an IdP token.
type Served struct {
	Sessions map[string]*Credentials `json:"sessions,omitempty"`
	Grants   []*Grant                `json:"grants,omitempty"`
}

// Session returns the cached credentials for scope, or nil.
func (s *Served) Session(scope string) *Credentials {
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
