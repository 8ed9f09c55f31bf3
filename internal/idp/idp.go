// Package idp is tip-cli's OAuth 2.0 / OpenID Connect client: it signs a
// user in with their identity provider and keeps the sign-in fresh.
//
//   - Login: authorization code grant with PKCE S256 (RFC 6749 §4.1,
//     RFC 7636) through a loopback redirect (RFC 8252 §7.3), state and
//     nonce checked.
//     A browser is only ever given a one-time loopback start address
//     (start.go); the redirect may also be pasted back (paste.go).
//   - LoginDevice: the device authorization grant (RFC 8628) for headless
//     machines.
//   - Refresh: the refresh token grant (RFC 6749 §6), keeping rotated
//     refresh tokens.
//
// Endpoints always come from OpenID Connect discovery of the issuer, and
// every ID token is verified (signature against the issuer's JWKS, iss, aud
// = client id, azp, exp, iat) before it is returned. The package never prints:
// anything a user must see goes through the injected OpenURL and Show
// functions.
package idp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/cred"
)

// defaultHTTPTimeout bounds each call to the IdP when Client.HTTPClient is nil.
const defaultHTTPTimeout = 30 * time.Second

// Client signs a user in with an OIDC provider and refreshes tokens.
type Client struct {
	// Issuer is the OIDC issuer URL (config.Profile.Issuer()).
	Issuer string
	// ClientID is the public client's id (config.Profile.Client()).
	ClientID string
	// Scopes requested at sign-in; "openid" is added when missing.
	Scopes []string
	// RedirectURI is the loopback redirect, config.DefaultRedirectURI
	// (http://localhost:8090/callback) when empty. Port 0 binds a free
	// port and sends that port in redirect_uri; only useful against IdPs
	// that accept any loopback port (RFC 8252 §7.3), such as the sandbox
	// in tests.
	RedirectURI string
	// HTTPClient makes discovery, JWKS and token calls; nil means a client
	// with a 30 s timeout.
	HTTPClient *http.Client
	// Now is the clock for ID token expiry checks and Tokens.IssuedAt;
	// nil means time.Now.
	Now func() time.Time
	// Metadata, when set, caches the discovery document and JWKS on disk
	// across processes (see MetadataCache); nil fetches both every time.
	Metadata *MetadataCache
	// Prompt is the authorization request's prompt parameter (OIDC Core
	// §3.1.2.1), empty to send none. Strict providers issue a refresh
	// token for offline_access only with prompt=consent (§11).
	Prompt string
}

// Claims are the verified claims of an ID token that tip-cli uses.
type Claims struct {
	Issuer   string
	Subject  string
	Email    string
	Name     string
	Audience []string
	Expiry   time.Time
	IssuedAt time.Time
}

// provider is a discovered issuer: its OAuth endpoints and an ID token
// verifier bound to the client id and clock.
type provider struct {
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	// keys is the verifier's key set when the metadata cache is in use
	// (it holds the pin the tokens are saved with); nil otherwise.
	keys *cachedKeySet
	hc   *http.Client
	now  func() time.Time
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) httpClient() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	return &http.Client{Timeout: defaultHTTPTimeout}
}

func (c *Client) redirectURI() string {
	if c.RedirectURI == "" {
		return config.DefaultRedirectURI
	}
	return c.RedirectURI
}

func (c *Client) scopes() []string {
	for _, s := range c.Scopes {
		if s == oidc.ScopeOpenID {
			return c.Scopes
		}
	}
	return append([]string{oidc.ScopeOpenID}, c.Scopes...)
}

// discover fetches the issuer's discovery document (OpenID Connect
// Discovery 1.0 §4) and prepares the OAuth config and verifier. pin, the
// metadata pinned with the tokens being refreshed (nil for a sign-in), says
// which cached documents may be used instead (discoverCached).
func (c *Client) discover(ctx context.Context, pin *cred.IdPMetadata) (*provider, error) {
	if c.Issuer == "" {
		return nil, errors.New("no identity provider issuer is configured")
	}
	if c.ClientID == "" {
		return nil, errors.New("no client id is configured for the identity provider")
	}
	hc := c.httpClient()
	if c.Metadata != nil {
		return c.discoverCached(ctx, hc, pin)
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, hc), c.Issuer)
	if err != nil {
		return nil, &discoveryError{Issuer: c.Issuer, Err: err}
	}
	ep := p.Endpoint()
	ep.AuthStyle = oauth2.AuthStyleInParams // public client: client_id in the body, no secret
	now := c.Now
	if now == nil {
		now = time.Now
	}
	return &provider{
		oauth: oauth2.Config{ClientID: c.ClientID, Endpoint: ep, Scopes: c.scopes()},
		verifier: p.VerifierContext(oidc.ClientContext(ctx, hc), &oidc.Config{
			ClientID: c.ClientID,
			Now:      now,
		}),
		hc:  hc,
		now: now,
	}, nil
}

// ctx returns ctx carrying the HTTP client for golang.org/x/oauth2.
func (p *provider) ctx(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, p.hc)
}

// verify checks rawIDToken (OpenID Connect Core §3.1.3.7) and, when nonce is
// not empty, that it carries that nonce.
func (p *provider) verify(ctx context.Context, rawIDToken, nonce string) (*Claims, error) {
	tok, err := p.verifier.Verify(oidc.ClientContext(ctx, p.hc), rawIDToken)
	if err != nil {
		return nil, fmt.Errorf("the identity provider's id token failed verification: %w", err)
	}
	var extra struct {
		Email string `json:"email"`
		Name  string `json:"name"`
		AZP   string `json:"azp"`
	}
	if err := tok.Claims(&extra); err != nil {
		return nil, fmt.Errorf("read id token claims: %w", err)
	}
	if err := checkClaims(p.oauth.ClientID, tok.Audience, extra.AZP, tok.IssuedAt, p.now(), nonce, tok.Nonce); err != nil {
		return nil, fmt.Errorf("the identity provider's id token failed verification: %w", err)
	}
	return &Claims{
		Issuer:   tok.Issuer,
		Subject:  tok.Subject,
		Email:    extra.Email,
		Name:     extra.Name,
		Audience: tok.Audience,
		Expiry:   tok.Expiry,
		IssuedAt: tok.IssuedAt,
	}, nil
}

// tokens verifies the ID token of a token response and builds the Tokens
// tip-cli stores, with the metadata pin they were verified under.
func (c *Client) tokens(ctx context.Context, p *provider, tok *oauth2.Token, nonce string) (*cred.Tokens, error) {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, errors.New("the identity provider returned no id token: make sure the openid scope is allowed for this client")
	}
	cl, err := p.verify(ctx, raw, nonce)
	if err != nil {
		return nil, err
	}
	return &cred.Tokens{
		IDToken:      raw,
		AccessToken:  tok.AccessToken,
		RefreshToken: tok.RefreshToken,
		Expiry:       cl.Expiry,
		Subject:      cl.Subject,
		Email:        cl.Email,
		IssuedAt:     c.now(),
		Metadata:     p.pinned(),
	}, nil
}

// pinned is the metadata pin to save with tokens p verified; nil without
// the metadata cache (nothing cached, nothing to pin).
func (p *provider) pinned() *cred.IdPMetadata {
	if p.keys == nil {
		return nil
	}
	return p.keys.pinned()
}
