package idp

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tip-cli/tip-cli/internal/cred"
)

// DeviceOptions configures a device sign-in.
type DeviceOptions struct {
	// Show tells the user where to go and which code to enter
	// (verificationURIComplete may be ""). It is called once, before polling.
	Show func(verificationURI, userCode, verificationURIComplete string)
	// Sleep waits between polls, or returns the context's error; default a
	// real timer. Tests pass one that moves a test clock.
	Sleep func(ctx context.Context, d time.Duration) error
}

// LoginDevice signs the user in with the device authorization grant
// (RFC 8628), for machines without a browser. It needs the issuer to
// advertise device_authorization_endpoint. Polling (pollDevice)
// waits the announced interval (5 s when absent), adds 5 s on slow_down,
// keeps waiting on authorization_pending and stops at the code's expiry.
// The ID token is verified before it is returned.
//
// Errors: *discoveryError, *callbackError (access_denied, expired_token or
// another terminal error), or the context's error wrapped.
func (c *Client) LoginDevice(ctx context.Context, o DeviceOptions) (*cred.Tokens, error) {
	if o.Show == nil {
		return nil, errors.New("device sign-in: no way to show the user code (Show is nil)")
	}
	p, err := c.discover(ctx, nil)
	if err != nil {
		return nil, err
	}
	if p.oauth.Endpoint.DeviceAuthURL == "" {
		return nil, fmt.Errorf("identity provider at %s does not support device sign-in "+
			"(no device_authorization_endpoint in its discovery document): use the browser sign-in", c.Issuer)
	}
	hctx := p.ctx(ctx)
	da, err := p.oauth.DeviceAuth(hctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("sign-in cancelled: %w", ctx.Err())
		}
		return nil, fmt.Errorf("start device sign-in: %w", endpointError(err))
	}
	if da.DeviceCode == "" || da.UserCode == "" || da.VerificationURI == "" {
		return nil, errors.New("start device sign-in: the identity provider's answer lacks device_code, user_code or verification_uri")
	}
	o.Show(da.VerificationURI, da.UserCode, da.VerificationURIComplete)
	sleep := o.Sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	tok, err := p.pollDevice(ctx, da, sleep)
	if err != nil {
		return nil, deviceError(ctx, err)
	}
	return c.tokens(ctx, p, tok, "")
}

// deviceError maps a polling failure to the error LoginDevice returns.
func deviceError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("sign-in cancelled: %w", ctx.Err())
	}
	if code, desc, ok := oauthError(err); ok {
		return &callbackError{Code: code, Description: desc}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		// x/oauth2 stops polling at the device code's expires_in.
		return &callbackError{Code: "expired_token"}
	}
	return fmt.Errorf("device sign-in: %w", endpointError(err))
}

// DeviceOffered reports whether the issuer's discovery document has a
// device_authorization_endpoint (RFC 8628 §4), for choosing a sign-in
// flow; a discovery error counts as no (the sign-in then reports it).
func (c *Client) DeviceOffered(ctx context.Context) bool {
	p, err := c.discover(ctx, nil)
	return err == nil && p.oauth.Endpoint.DeviceAuthURL != ""
}
