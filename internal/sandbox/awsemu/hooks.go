package awsemu

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	jose "github.com/go-jose/go-jose/v4"
)

// The test hooks of the AWS emulation: what tests read (Counts, Requests,
// AdminCredentials, IdentityCenterPublicKey) and how they steer it
// (FailNext, SetRefuseFederationForContext, IdentityCenter.Update, and the
// IAM setup PutOIDCProvider, SetContextProvider, PutRole). Only tests call
// them: a shipped binary must not link any exported function of a
// *hooks.go file, and TestShippedBinariesLinkNoTestCode (internal/cmd/demo)
// checks the symbols of the built binaries. That holds only while *AWS is
// never converted to an interface (the server takes the method value
// a.ServeHTTP): cobra links text/template, whose reflective method calls
// make the linker keep every exported method of such a type.

// Counts returns how many calls each operation received (failed ones too).
func (a *AWS) Counts() map[string]int {
	a.hooks.mu.Lock()
	defer a.hooks.mu.Unlock()
	out := make(map[string]int, len(a.hooks.counts))
	for k, v := range a.hooks.counts {
		out[k] = v
	}
	return out
}

// Requests returns the recorded requests of op, oldest first.
func (a *AWS) Requests(op string) []Recorded {
	a.hooks.mu.Lock()
	defer a.hooks.mu.Unlock()
	return append([]Recorded(nil), a.hooks.recorded[op]...)
}

// FailNext makes the next call of op (an operation name as in Counts, or a
// full X-Amz-Target) fail with that AWS error in the op's protocol. Calls
// queue up.
func (a *AWS) FailNext(op string, status int, code, message string) {
	a.hooks.mu.Lock()
	defer a.hooks.mu.Unlock()
	a.hooks.failures[op] = append(a.hooks.failures[op], awsFailure{status: status, code: code, message: message})
}

// SetRefuseFederationForContext makes getSigninToken refuse sessions that
// carry a person: identity-enhanced ones and web identity ones with an
// OriginIdentity (TIP for IAM federation).
func (a *AWS) SetRefuseFederationForContext(refuse bool) {
	a.fed.mu.Lock()
	defer a.fed.mu.Unlock()
	a.fed.refuseContext = refuse
}

// Update changes the configuration under the lock.
func (ic *IdentityCenter) Update(fn func(cfg *IdentityCenterConfig)) {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	fn(&ic.cfg)
}

// AdminCredentials issues credentials (valid 12 h) of an administrator
// role allowed to read the Identity Center configuration.
func (ic *IdentityCenter) AdminCredentials() aws.Credentials {
	role := ic.aws.roleARN("tip-sandbox-admin")
	exp := ic.aws.now().Add(12 * time.Hour)
	p, c := ic.aws.issue(Principal{
		RoleARN:        role,
		AssumedRoleARN: ic.aws.assumedRoleARN(role, "admin"),
		SessionName:    "admin",
		Kind:           "admin",
		Expiration:     exp,
	})
	return aws.Credentials{
		AccessKeyID: p.AccessKeyID, SecretAccessKey: c.secret, SessionToken: c.token,
		Source: "sandbox admin", CanExpire: true, Expires: exp,
	}
}

// PutOIDCProvider creates or replaces an IAM OIDC provider (validated as
// CreateOpenIDConnectProvider does) and returns its ARN.
func (a *AWS) PutOIDCProvider(p OIDCProvider) (string, error) {
	if apiErr := a.iamValidateOIDCProvider(p); apiErr != nil {
		return "", fmt.Errorf("put oidc provider %s: %s: %s", p.URL, apiErr.code, apiErr.message)
	}
	if p.Created.IsZero() {
		p.Created = a.now()
	}
	arn := a.OIDCProviderARNFor(p.URL)
	a.iam.mu.Lock()
	defer a.iam.mu.Unlock()
	a.iam.providers[arn] = &p
	return arn, nil
}

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
func (a *AWS) PutRole(r IAMRole) (string, error) {
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
