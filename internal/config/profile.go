// Package config holds tip-cli profiles: their on-disk form in
// $AWS_TIP_CLI/config.json, the Python tip-cli's flat legacy form, and the
// validation every profile passes before it is saved or used.
package config

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/tip-cli/tip-cli/internal/loopback"
)

// Provider names accepted by `configure idp --provider`.
const (
	ProviderOkta    = "okta"
	ProviderEntraID = "entra-id"
	ProviderCognito = "cognito"
	ProviderOIDC    = "oidc"
)

// Providers lists the supported identity provider presets in display order.
var Providers = []string{ProviderOkta, ProviderEntraID, ProviderCognito, ProviderOIDC}

// DefaultRedirectURI is what users register with their IdP application.
const DefaultRedirectURI = "http://localhost:8090/callback"

// Sign-in flows a profile may select.
const (
	FlowBrowser = "browser"
	FlowDevice  = "device"
)

// Profile is one named tip-cli configuration. JSON keys are the original
// Python tool's keys so that its config.json loads unchanged.
type Profile struct {
	Provider string `json:"provider"`

	// Identity Center and IAM side.
	TokenExchangeApplicationARN string `json:"token_exchange_application_arn"`
	OIDCRoleARN                 string `json:"oidc_role_arn"`
	IDEnhancedRoleARN           string `json:"id_enhanced_role_arn"`
	Region                      string `json:"region,omitempty"`
	AccountID                   string `json:"account_id,omitempty"`

	// IdP presets; only the keys of Provider are used.
	OktaURL       string   `json:"okta_url,omitempty"`
	OktaClientID  string   `json:"okta_client_id,omitempty"`
	EntraTenantID string   `json:"entra_tenant_id,omitempty"`
	EntraClientID string   `json:"entra_client_id,omitempty"`
	CognitoDomain string   `json:"cognito_domain,omitempty"`
	CognitoPoolID string   `json:"cognito_user_pool_id,omitempty"`
	CognitoClient string   `json:"cognito_client_id,omitempty"`
	IssuerURL     string   `json:"issuer_url,omitempty"`
	ClientID      string   `json:"client_id,omitempty"`
	Scopes        []string `json:"scopes,omitempty"`
	RedirectURI   string   `json:"redirect_uri,omitempty"`
	// Prompt is sent as the authorization request's prompt ("consent" makes
	// strict OIDC providers issue a refresh token for offline_access).
	Prompt string `json:"prompt,omitempty"`
	Flow   string `json:"flow,omitempty"`

	// Session policies applied to the identity-enhanced AssumeRole (#7).
	SessionPolicy     string   `json:"session_policy,omitempty"`
	SessionPolicyARNs []string `json:"session_policy_arns,omitempty"`
}

// Issuer returns the OIDC issuer URL the profile's preset resolves to.
// Okta: the org or authorization-server URL as given; Entra ID: the v2.0
// tenant issuer; Cognito: the user pool's issuer
// https://cognito-idp.<region>.amazonaws.com/<pool id> when
// cognito_user_pool_id is set, else cognito_domain taken as the issuer.
func (p *Profile) Issuer() string {
	switch p.Provider {
	case ProviderOkta:
		return strings.TrimRight(p.OktaURL, "/")
	case ProviderEntraID:
		if strings.HasPrefix(p.EntraTenantID, "http://") || strings.HasPrefix(p.EntraTenantID, "https://") {
			return strings.TrimRight(p.EntraTenantID, "/")
		}
		return "https://login.microsoftonline.com/" + p.EntraTenantID + "/v2.0"
	case ProviderCognito:
		if p.CognitoPoolID != "" {
			region, _, _ := strings.Cut(p.CognitoPoolID, "_")
			return "https://cognito-idp." + region + ".amazonaws.com/" + p.CognitoPoolID
		}
		d := strings.TrimRight(p.CognitoDomain, "/")
		if !strings.Contains(d, "://") {
			d = "https://" + d
		}
		return d
	default:
		return strings.TrimRight(p.IssuerURL, "/")
	}
}

// Client returns the OAuth client id for the profile's preset.
func (p *Profile) Client() string {
	switch p.Provider {
	case ProviderOkta:
		if p.OktaClientID != "" {
			return p.OktaClientID
		}
	case ProviderEntraID:
		if p.EntraClientID != "" {
			return p.EntraClientID
		}
	case ProviderCognito:
		if p.CognitoClient != "" {
			return p.CognitoClient
		}
	}
	return p.ClientID
}

// OAuthScopes returns the scopes requested at sign-in. openid is always
// first; offline_access is added for presets that need it to issue a
// refresh token (Okta, Entra ID and generic OIDC providers).
func (p *Profile) OAuthScopes() []string {
	if len(p.Scopes) > 0 {
		return withOpenID(p.Scopes)
	}
	switch p.Provider {
	case ProviderCognito:
		return []string{"openid", "email", "profile"}
	default:
		return []string{"openid", "email", "profile", "offline_access"}
	}
}

func withOpenID(scopes []string) []string {
	for _, s := range scopes {
		if s == "openid" {
			return scopes
		}
	}
	return append([]string{"openid"}, scopes...)
}

// Redirect returns the loopback redirect URI, defaulting to DefaultRedirectURI.
func (p *Profile) Redirect() string {
	if p.RedirectURI == "" {
		return DefaultRedirectURI
	}
	return p.RedirectURI
}

// SignInFlow returns FlowBrowser unless the profile selects the device flow.
func (p *Profile) SignInFlow() string {
	if p.Flow == FlowDevice {
		return FlowDevice
	}
	return FlowBrowser
}

// Validate checks every field a sign-in and exchange will rely on. It never
// touches the network.
func (p *Profile) Validate() error {
	switch p.Provider {
	case ProviderOkta, ProviderEntraID, ProviderCognito, ProviderOIDC:
	case "":
		return fmt.Errorf("provider is required (one of %s)", strings.Join(Providers, ", "))
	default:
		return fmt.Errorf("unknown provider %q (want one of %s)", p.Provider, strings.Join(Providers, ", "))
	}
	if err := p.validateIdP(); err != nil {
		return err
	}
	if err := ValidateApplicationARN(p.TokenExchangeApplicationARN); err != nil {
		return fmt.Errorf("token_exchange_application_arn: %w", err)
	}
	if err := ValidateRoleARN(p.OIDCRoleARN); err != nil {
		return fmt.Errorf("oidc_role_arn: %w", err)
	}
	if err := ValidateRoleARN(p.IDEnhancedRoleARN); err != nil {
		return fmt.Errorf("id_enhanced_role_arn: %w", err)
	}
	if p.Region != "" && !regionRE().MatchString(p.Region) {
		return fmt.Errorf("region %q is not an AWS region name", p.Region)
	}
	if p.AccountID != "" && !accountRE().MatchString(p.AccountID) {
		return fmt.Errorf("account_id %q must be 12 digits", p.AccountID)
	}
	if err := ValidateRedirectURI(p.Redirect()); err != nil {
		return fmt.Errorf("redirect_uri: %w", err)
	}
	for _, v := range strings.Fields(p.Prompt) {
		if v != "none" && v != "login" && v != "consent" && v != "select_account" {
			return fmt.Errorf("prompt %q: values are none, login, consent, select_account", p.Prompt)
		}
	}
	if p.Flow != "" && p.Flow != FlowBrowser && p.Flow != FlowDevice {
		return fmt.Errorf("flow %q must be %q or %q", p.Flow, FlowBrowser, FlowDevice)
	}
	if p.SessionPolicy != "" {
		if err := ValidatePolicyJSON(p.SessionPolicy); err != nil {
			return fmt.Errorf("session_policy: %w", err)
		}
	}
	if err := ValidatePolicyARNs(p.SessionPolicyARNs); err != nil {
		return fmt.Errorf("session_policy_arns: %w", err)
	}
	return nil
}

func (p *Profile) validateIdP() error {
	var key string
	switch p.Provider {
	case ProviderOkta:
		key = "okta_url"
		if p.OktaURL == "" {
			return fmt.Errorf("okta_url is required for provider okta")
		}
	case ProviderEntraID:
		key = "entra_tenant_id"
		if p.EntraTenantID == "" {
			return fmt.Errorf("entra_tenant_id is required for provider entra-id")
		}
		// Entra's discovery names its issuer by tenant GUID: a domain or
		// "common" would fail issuer verification at sign-in, so say so now.
		if !strings.Contains(p.EntraTenantID, "://") && !tenantRE().MatchString(p.EntraTenantID) {
			return fmt.Errorf("entra_tenant_id %q must be the tenant id (a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47), not a domain", p.EntraTenantID)
		}
	case ProviderCognito:
		key = "cognito_domain"
		switch {
		case p.CognitoPoolID != "":
			key = "cognito_user_pool_id"
			if !cognitoPoolRE().MatchString(p.CognitoPoolID) {
				return fmt.Errorf("cognito_user_pool_id %q is not a user pool id (REGION_ID, e.g. us-east-1_AbC123)", p.CognitoPoolID)
			}
		case p.CognitoDomain == "":
			return fmt.Errorf("cognito_user_pool_id (or cognito_domain as the issuer URL) is required for provider cognito")
		case strings.Contains(p.CognitoDomain, ".amazoncognito.com"):
			// The hosted UI domain serves no discovery document: the
			// OIDC issuer is the user pool.
			return fmt.Errorf("cognito_domain %q is the hosted UI domain; set cognito_user_pool_id (e.g. us-east-1_AbC123): the OIDC issuer is the user pool", p.CognitoDomain)
		}
	case ProviderOIDC:
		key = "issuer_url"
		if p.IssuerURL == "" {
			return fmt.Errorf("issuer_url is required for provider oidc")
		}
	}
	if err := ValidateIssuerURL(p.Issuer()); err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	if strings.TrimSpace(p.Client()) == "" {
		return fmt.Errorf("client id is required (%s)", clientKey(p.Provider))
	}
	return nil
}

func clientKey(provider string) string {
	switch provider {
	case ProviderOkta:
		return "okta_client_id or client_id"
	case ProviderEntraID:
		return "entra_client_id or client_id"
	case ProviderCognito:
		return "cognito_client_id or client_id"
	}
	return "client_id"
}

// ValidateIssuerURL accepts absolute https URLs, and http only for loopback
// hosts (local test providers); no query or fragment (OIDC Discovery §3).
func ValidateIssuerURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q is not an absolute URL", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q must not have a query or fragment", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if loopback.IsHost(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%q must use https (plain http is allowed only on loopback)", raw)
	}
	return fmt.Errorf("%q must use https", raw)
}

// ValidateRedirectURI accepts http://localhost|127.0.0.1|[::1]:PORT/path, the
// only redirects a loopback client (RFC 8252 §7.3) can serve.
func ValidateRedirectURI(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || !loopback.IsHost(u.Hostname()) {
		return fmt.Errorf("%q must be an http://localhost:PORT/path loopback URL", raw)
	}
	if u.Port() == "" {
		return fmt.Errorf("%q must name a port", raw)
	}
	return nil
}
