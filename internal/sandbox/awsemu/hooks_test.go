package awsemu

import (
	"fmt"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// The test hooks only awsemu's own tests use: the IAM setup a test builds
// its scenario with, and the key that verifies CreateTokenWithIAM's idToken.

// SetContextProvider sets (nil: removes) the context provider of the IAM
// OIDC provider providerARN, as UpdateOpenIDConnectProvider does; removing
// it also removes the Identity Center link.
func (a *AWS) SetContextProvider(providerARN string, c *ContextProvider) error {
	if c != nil {
		if apiErr := iamValidateContext(*c); apiErr != nil {
			return fmt.Errorf("set context provider: %s: %s", apiErr.code, apiErr.message)
		}
	}
	a.iam.mu.Lock()
	defer a.iam.mu.Unlock()
	p, ok := a.iam.providers[providerARN]
	if !ok {
		return fmt.Errorf("set context provider: no oidc provider %s", providerARN)
	}
	p.Context = c
	if c == nil {
		p.IdentityCenterInstanceARN = ""
	}
	return nil
}

// PutRole creates or replaces a role and returns its ARN. MaxSessionDuration
// defaults to 1 h and must be 1–12 h, as in IAM.
func (a *AWS) PutRole(r iamRole) (string, error) {
	if r.MaxSessionDuration == 0 {
		r.MaxSessionDuration = iamDefaultMaxSession
	}
	if r.MaxSessionDuration < time.Hour || r.MaxSessionDuration > iamMaxSession {
		return "", fmt.Errorf("put role %s: MaxSessionDuration %s is outside 1h-12h", r.Name, r.MaxSessionDuration)
	}
	if r.Name == "" || strings.ContainsAny(r.Name, "/: ") {
		return "", fmt.Errorf("put role: invalid role name %q", r.Name)
	}
	if r.Created.IsZero() {
		r.Created = a.now()
	}
	a.iam.mu.Lock()
	defer a.iam.mu.Unlock()
	a.iam.roles[r.Name] = &r
	return a.roleARN(r.Name), nil
}

// IdentityCenterPublicKey returns the public key that verifies the idToken
// of CreateTokenWithIAM responses, as a JWK.
func (a *AWS) IdentityCenterPublicKey() jose.JSONWebKey {
	return jose.JSONWebKey{Key: a.key.Public(), KeyID: a.kid, Algorithm: string(jose.RS256), Use: "sig"}
}
