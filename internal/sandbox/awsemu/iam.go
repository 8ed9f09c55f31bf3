package awsemu

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Names of the roles and the IAM OIDC provider the emulator starts with.
const (
	iamOIDCRoleName       = "tip-sandbox-oidc"
	iamFederationRoleName = "tip-sandbox-federation"
	// iamDefaultMaxSession is IAM's MaxSessionDuration when none is given.
	iamDefaultMaxSession = time.Hour
	iamMaxSession        = 12 * time.Hour
)

// ContextProvider is the trusted identity propagation context provider of an
// IAM OIDC identity provider (iam types.ContextProvider): with one,
// AssumeRoleWithWebIdentity through the provider puts the person into the
// session (TIP for IAM federation).
type ContextProvider struct {
	// SubjectSourceKey is the token claim that names the person (required).
	SubjectSourceKey string
	// SubjectTypeSourceKey is the claim holding the subject type, or
	// SubjectTypeValue a fixed one ("user" or "workload"); at most one.
	SubjectTypeSourceKey string
	SubjectTypeValue     string
	// KeyDefinitions map up to 10 claims into
	// aws:TransactionContext/IdentityProvider/<TargetKey>.
	KeyDefinitions []KeyDefinition
}

// KeyDefinition maps the claim SourceKey to the context key TargetKey.
type KeyDefinition struct{ SourceKey, TargetKey string }

// oidcProvider is an IAM OIDC identity provider of the emulated account.
type oidcProvider struct {
	// URL is the issuer URL; IAM keys the provider by it (scheme dropped).
	URL         string
	ClientIDs   []string
	Thumbprints []string
	// Context is the context provider, nil when none.
	Context *ContextProvider
	// IdentityCenterInstanceARN links an Identity Center instance (needs
	// Context); only the emulated instance (AWS.InstanceARN) is known.
	IdentityCenterInstanceARN string
	Created                   time.Time
}

// iamRole is a role of the emulated account that AssumeRoleWithWebIdentity
// may enter when its trust policy allows it.
type iamRole struct {
	Name string
	// TrustPolicy is the assume-role policy document (JSON).
	TrustPolicy string
	// MaxSessionDuration caps DurationSeconds (default 1 h, at most 12 h).
	MaxSessionDuration time.Duration
	Created            time.Time
}

// iamState is the emulated IAM, under its own lock: the OIDC providers by
// ARN and the roles by name.
type iamState struct {
	mu        sync.Mutex
	providers map[string]*oidcProvider
	roles     map[string]*iamRole
}

// iamProviderHost is the issuer URL without its scheme and trailing slash:
// the ARN suffix, the condition key prefix and GetOpenIDConnectProvider's Url.
func iamProviderHost(issuer string) string {
	h := strings.TrimPrefix(strings.TrimPrefix(issuer, "https://"), "http://")
	return strings.TrimSuffix(h, "/")
}

// OIDCProviderARNFor is the ARN IAM gives the provider of issuer.
func (a *AWS) OIDCProviderARNFor(issuer string) string {
	return "arn:aws:iam::" + a.opts.AccountID + ":oidc-provider/" + iamProviderHost(issuer)
}

// OIDCProviderARN is the IAM OIDC provider of AWSOptions.IssuerURL.
func (a *AWS) OIDCProviderARN() string { return a.OIDCProviderARNFor(a.opts.IssuerURL) }

// FederationRoleARN is the role trusted through the IdP's IAM OIDC provider
// for TIP for IAM federation (AWSOptions.FederationAudience/MaxSession).
func (a *AWS) FederationRoleARN() string { return a.roleARN(iamFederationRoleName) }

// webIdentityTrustPolicy is the trust policy of a role federated through the
// IAM OIDC provider providerARN for tokens whose aud is audience.
func webIdentityTrustPolicy(providerARN, audience string) string {
	host := providerARN[strings.Index(providerARN, ":oidc-provider/")+len(":oidc-provider/"):]
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow",`+
		`"Principal":{"Federated":%q},"Action":"sts:AssumeRoleWithWebIdentity",`+
		`"Condition":{"StringEquals":{%q:%q}}}]}`, providerARN, host+":aud", audience)
}

// iamSeed creates the IdP's IAM OIDC provider and the two roles trusted
// through it: the identity-center chain's OIDC role (12 h, as before) and
// the federation role.
func (a *AWS) iamSeed() {
	a.iam = iamState{providers: map[string]*oidcProvider{}, roles: map[string]*iamRole{}}
	if a.opts.IssuerURL == "" {
		return
	}
	now := a.now()
	link := ""
	if a.opts.LinkIdentityCenter {
		link = a.InstanceARN()
	}
	a.iam.providers[a.OIDCProviderARN()] = &oidcProvider{
		URL: a.opts.IssuerURL, ClientIDs: slices.Clone(a.opts.Audiences),
		Context: a.opts.ContextProvider, IdentityCenterInstanceARN: link, Created: now,
	}
	aud := a.opts.FederationAudience
	if aud == "" {
		aud = a.opts.Audiences[0]
	}
	a.iam.roles[iamOIDCRoleName] = &iamRole{Name: iamOIDCRoleName, MaxSessionDuration: iamMaxSession, Created: now,
		TrustPolicy: webIdentityTrustPolicy(a.OIDCProviderARN(), a.opts.Audiences[0])}
	maxSession := a.opts.FederationMaxSession
	if maxSession == 0 {
		maxSession = iamMaxSession
	}
	a.iam.roles[iamFederationRoleName] = &iamRole{Name: iamFederationRoleName, MaxSessionDuration: maxSession, Created: now,
		TrustPolicy: webIdentityTrustPolicy(a.OIDCProviderARN(), aud)}
}

// iamValidateOIDCProvider checks what CreateOpenIDConnectProvider checks
// beyond the context provider itself.
func (a *AWS) iamValidateOIDCProvider(p oidcProvider) *awsAPIError {
	u, err := url.Parse(p.URL)
	loopback := err == nil && u.Scheme == "http" && (u.Hostname() == "127.0.0.1" || u.Hostname() == "localhost")
	// Real IAM takes https only; the sandbox's IdP is plain http on loopback.
	if err != nil || u.Host == "" || (u.Scheme != "https" && !loopback) || u.RawQuery != "" || u.Fragment != "" {
		return awsErr(400, "InvalidInput", "Invalid URL: %s", p.URL)
	}
	for _, c := range p.ClientIDs {
		if n := len(c); n < 1 || n > 255 {
			return awsErr(400, "ValidationError", "1 validation error detected: Value at 'clientIDList' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 255, Member must have length greater than or equal to 1]")
		}
	}
	if p.Context != nil {
		if apiErr := iamValidateContext(*p.Context); apiErr != nil {
			return apiErr
		}
	}
	return a.iamValidateLink(p.IdentityCenterInstanceARN, p.Context != nil)
}

// iamValidateLink checks an IdentityCenterInstanceArn to set.
func (a *AWS) iamValidateLink(arn string, hasContext bool) *awsAPIError {
	switch {
	case arn == "":
		return nil
	case !hasContext:
		return awsErr(400, "InvalidInput", "IdentityCenterInstanceArn requires a ContextProvider.")
	case arn != a.InstanceARN():
		// Guess: the wording IAM uses for an instance it cannot resolve is not documented.
		return awsErr(400, "InvalidInput", "The IAM Identity Center instance %s was not found.", arn)
	}
	return nil
}

// iamValidateContext checks a context provider as the IAM model states:
// SubjectSourceKey required, SubjectTypeSourceKey xor SubjectTypeValue,
// 0–10 key definitions, keys of 1–128 characters of the documented set.
func iamValidateContext(c ContextProvider) *awsAPIError {
	if c.SubjectSourceKey == "" {
		return awsErr(400, "InvalidInput", "ContextProvider.SubjectSourceKey is required.")
	}
	if c.SubjectTypeSourceKey != "" && c.SubjectTypeValue != "" {
		return awsErr(400, "InvalidInput", "Specify either SubjectTypeSourceKey or SubjectTypeValue, but not both.")
	}
	if v := c.SubjectTypeValue; v != "" && v != "user" && v != "workload" {
		return awsErr(400, "InvalidInput", "SubjectTypeValue must be user or workload.")
	}
	if len(c.KeyDefinitions) > 10 {
		return awsErr(400, "ValidationError", "1 validation error detected: Value at 'contextProvider.keyDefinitionList' failed to satisfy constraint: Member must have length less than or equal to 10")
	}
	keys := []string{c.SubjectSourceKey, c.SubjectTypeSourceKey}
	for _, d := range c.KeyDefinitions {
		if d.SourceKey == "" {
			return awsErr(400, "InvalidInput", "KeyDefinitionList.SourceKey is required.")
		}
		keys = append(keys, d.SourceKey, d.TargetKey)
	}
	for _, k := range keys {
		if k != "" && !iamValidContextKey(k) {
			return awsErr(400, "InvalidInput", "Invalid context provider key %q.", k)
		}
	}
	return nil
}

// iamValidContextKey: 1–128 of A-Za-z0-9, single inner spaces and _.:/=+-@#.
func iamValidContextKey(k string) bool {
	if len(k) > 128 || strings.HasPrefix(k, " ") || strings.HasSuffix(k, " ") || strings.Contains(k, "  ") {
		return false
	}
	for _, c := range k {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(" _.:/=+-@#", c)
		if !ok {
			return false
		}
	}
	return true
}

// oidcProviderConfig returns a copy of the IAM OIDC provider providerARN.
func (a *AWS) oidcProviderConfig(providerARN string) (oidcProvider, bool) {
	a.iam.mu.Lock()
	defer a.iam.mu.Unlock()
	p, ok := a.iam.providers[providerARN]
	if !ok {
		return oidcProvider{}, false
	}
	return iamCopyProvider(p), true
}

// iamCopyProvider deep-copies p so callers never share its slices.
func iamCopyProvider(p *oidcProvider) oidcProvider {
	c := *p
	c.ClientIDs, c.Thumbprints = slices.Clone(p.ClientIDs), slices.Clone(p.Thumbprints)
	if p.Context != nil {
		ctx := *p.Context
		ctx.KeyDefinitions = slices.Clone(p.Context.KeyDefinitions)
		c.Context = &ctx
	}
	return c
}

// roleByARN returns a copy of the role roleARN of the emulated account.
func (a *AWS) roleByARN(roleARN string) (iamRole, bool) {
	prefix := a.roleARN("")
	name, ok := strings.CutPrefix(roleARN, prefix)
	if !ok {
		return iamRole{}, false
	}
	a.iam.mu.Lock()
	defer a.iam.mu.Unlock()
	r, ok := a.iam.roles[name]
	if !ok {
		return iamRole{}, false
	}
	return *r, true
}

// iamProviderByIssuer returns a copy of the provider trusted for iss.
func (a *AWS) iamProviderByIssuer(iss string) (string, oidcProvider, bool) {
	arn := a.OIDCProviderARNFor(iss)
	p, ok := a.oidcProviderConfig(arn)
	return arn, p, ok
}
