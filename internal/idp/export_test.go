package idp

import "context"

// Verify discovers the issuer and verifies rawIDToken as a sign-in or a
// refresh does: signature against the issuer's JWKS, iss, aud containing
// ClientID (and azp = ClientID when present or when aud has several
// values), exp against Now, iat at most maxClockSkew ahead of Now, and the
// nonce unless nonce is "". Only tests call it (the product verifies inside
// Login and Refresh), so it lives in a test file, visible to idp's
// internal and external tests alike.
func (c *Client) Verify(ctx context.Context, rawIDToken, nonce string) (*Claims, error) {
	p, err := c.discover(ctx, nil)
	if err != nil {
		return nil, err
	}
	return p.verify(ctx, rawIDToken, nonce)
}
