package idp

import (
	"context"
	"fmt"

	"golang.org/x/oauth2"

	"github.com/tip-cli/tip-cli/internal/cred"
)

// Refresh uses prev's refresh token (RFC 6749 §6) to get a fresh, verified
// ID token. IdPs that rotate refresh tokens return a new one, which is
// returned in place of the old; otherwise the old one is kept. The token
// request goes to the endpoint of a discovery document fetched from the
// issuer, or cached and named by prev.Metadata (never one the cache alone
// vouches for); the returned Tokens carry the updated pin. A rejection by
// the token endpoint, or a response without an ID token, is a
// *RefreshError.
func (c *Client) Refresh(ctx context.Context, prev *cred.Tokens) (*cred.Tokens, error) {
	if prev == nil || prev.RefreshToken == "" {
		return nil, &RefreshError{Code: "no_refresh_token", Description: "no refresh token is stored for this sign-in"}
	}
	refreshToken := prev.RefreshToken
	p, err := c.discover(ctx, prev.Metadata)
	if err != nil {
		return nil, err
	}
	ts := p.oauth.TokenSource(p.ctx(ctx), &oauth2.Token{RefreshToken: refreshToken})
	tok, err := ts.Token()
	if err != nil {
		if code, desc, ok := oauthError(err); ok {
			return nil, &RefreshError{Code: code, Description: desc}
		}
		return nil, fmt.Errorf("refresh the sign-in: %w", endpointError(err))
	}
	if raw, _ := tok.Extra("id_token").(string); raw == "" {
		return nil, &RefreshError{Code: "no_id_token", Description: "the token endpoint returned no id token on refresh"}
	}
	if tok.RefreshToken == "" {
		tok.RefreshToken = refreshToken
	}
	t, err := c.tokens(ctx, p, tok, "")
	if err != nil {
		return nil, fmt.Errorf("refresh the sign-in: %w", err)
	}
	return t, nil
}
