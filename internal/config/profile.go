// Package config holds tip-cli profiles: their on-disk form in
// $AWS_TIP_CLI/config.json, the Python tip-cli's flat legacy form, and the
// validation every profile passes before it is saved or used.
package config

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/tip-cli/tip-cli/internal/issuerurl"
	"github.com/tip-cli/tip-cli/internal/loopback"
)

// DefaultRedirectURI is what users register with their IdP application.
const DefaultRedirectURI = "http://localhost:8090/callback"

// Profile is one named tip-cli configuration. JSON keys are the original
// Python tool's keys so that its config.json loads unchanged.
type Profile struct {
	// SignIn names a shared sign-in in File.SignIns whose IdP settings the
	// profile uses instead of its own (signin.go).
	SignIn string `json:"sign_in,omitempty"`

	Provider string `json:"provider,omitempty"`

	// Mode is "tip_mode": TIPModeIdentityCenter (default) or
	// TIPModeIAMFederation (mode.go).
	Mode string `json:"tip_mode,omitempty"`

	// Identity Center and IAM side (identity-center mode).
	TokenExchangeApplicationARN string `json:"token_exchange_application_arn"`
	OIDCRoleARN                 string `json:"oidc_role_arn"`
	IDEnhancedRoleARN           string `json:"id_enhanced_role_arn"`
	Region                      string `json:"region,omitempty"`
	AccountID                   string `json:"account_id,omitempty"`

	// IAM federation mode: the role trusted through the TIP-enabled IAM
	// OIDC provider, the session length (900-43200 s, default 3600) and,
	// optionally, the Identity Center instance the provider links for
	// group access (diag checks the link).
	RoleARN                   string `json:"role_arn,omitempty"`
	DurationSeconds           int    `json:"duration_seconds,omitempty"`
	IdentityCenterInstanceARN string `json:"identity_center_instance_arn,omitempty"`

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

// Issuer returns the OIDC issuer URL the profile's preset derives from its
// keys (see Presets).
func (p *Profile) Issuer() string { return PresetFor(p.Provider).issuer(p) }

// Client returns the OAuth client id: the preset's own key, else client_id.
func (p *Profile) Client() string {
	if c := *PresetFor(p.Provider).ClientField(p); c != "" {
		return c
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
	return PresetFor(p.Provider).Scopes
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

// Validate checks every field a sign-in and exchange will rely on. It never
// touches the network.
func (p *Profile) Validate() error {
	if _, ok := LookupPreset(p.Provider); !ok {
		if p.Provider == "" {
			return fmt.Errorf("provider is required (one of %s)", strings.Join(ProviderNames(), ", "))
		}
		return fmt.Errorf("unknown provider %q (want one of %s)", p.Provider, strings.Join(ProviderNames(), ", "))
	}
	if err := p.validateIdP(); err != nil {
		return err
	}
	if err := p.validateMode(); err != nil {
		return err
	}
	if p.Region != "" && !isRegion(p.Region) {
		return fmt.Errorf("region %q is not an AWS region name", p.Region)
	}
	if p.AccountID != "" && !isAccount(p.AccountID) {
		return fmt.Errorf("account_id %q must be 12 digits", p.AccountID)
	}
	if err := validateRedirectURI(p.Redirect()); err != nil {
		return fmt.Errorf("redirect_uri: %w", err)
	}
	for _, v := range strings.Fields(p.Prompt) {
		if v != "none" && v != "login" && v != "consent" && v != "select_account" {
			return fmt.Errorf("prompt %q: values are none, login, consent, select_account", p.Prompt)
		}
	}
	if err := ValidateFlow(p.Flow); err != nil {
		return err
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
	ps := PresetFor(p.Provider)
	key, err := ps.validate(p)
	if err != nil {
		return err
	}
	if err := ValidateIssuerURL(p.Issuer()); err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	if strings.TrimSpace(p.Client()) == "" {
		want := "client_id"
		if ps.ClientKey != "" {
			want = ps.ClientKey + " or client_id"
		}
		return fmt.Errorf("client id is required (%s)", want)
	}
	return nil
}

// ValidateIssuerURL is the issuer URL rule (internal/issuerurl), which
// cfn applies too.
func ValidateIssuerURL(raw string) error { return issuerurl.Validate(raw) }

// validateRedirectURI accepts http://localhost|127.0.0.1|[::1]:PORT/path, the
// only redirects a loopback client (RFC 8252 §7.3) can serve, and nothing
// more: no fragment (RFC 6749 §3.1.2), query or user info, which an IdP
// compares as given or a browser treats differently from the listener,
// and a port of 1-65535 (0 would listen on a random port that matches no
// registration).
func validateRedirectURI(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || !loopback.IsHost(u.Hostname()) {
		return fmt.Errorf("%q must be an http://localhost:PORT/path loopback URL", raw)
	}
	switch {
	case strings.Contains(raw, "#"):
		return fmt.Errorf("%q must not have a fragment (#...)", raw)
	case strings.Contains(raw, "?"):
		return fmt.Errorf("%q must not have a query (?...)", raw)
	case u.User != nil:
		return fmt.Errorf("%q must not carry user info (user@)", raw)
	case u.Port() == "":
		return fmt.Errorf("%q must name a port", raw)
	}
	if port, err := strconv.Atoi(u.Port()); err != nil || port < 1 || port > 65535 {
		return fmt.Errorf("%q must name a port from 1 to 65535", raw)
	}
	return nil
}
