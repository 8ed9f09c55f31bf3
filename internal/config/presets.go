package config

import (
	"fmt"
	"strings"
)

// Provider names accepted by `configure idp --provider`.
const (
	ProviderOkta    = "okta"
	ProviderEntraID = "entra-id"
	ProviderCognito = "cognito"
	ProviderOIDC    = "oidc"
)

// Preset is one identity provider preset: everything config, the configure
// prompts, `configure idp --help` and the legacy config.json loader need to
// know about it. Adding a preset is one entry in Presets (plus its keys as
// Profile fields if it has its own, and its docs line in docs/setup.md).
type Preset struct {
	// Name is the value of "provider" (and of `--provider`).
	Name string
	// Aliases are other names the original tool's config.json used.
	Aliases []string
	// Keys are the preset's own JSON keys, as listed in `configure idp --help`.
	Keys []string
	// ClientKey is the key of the preset's own client id, "" when it uses
	// client_id only.
	ClientKey string
	// Doc is the preset's row in docs/setup.md's key table (checked by a test).
	Doc string
	// PromptLabel asks for the issuer-like setting in `configure idp`.
	PromptLabel string
	// Scopes are requested when the profile sets none.
	Scopes []string

	// issuerField is the setting PromptLabel asks for; clientField the
	// preset's own client id (nil when it uses client_id only).
	issuerField func(*Profile) *string
	clientField func(*Profile) *string
	// present reports whether a legacy config.json without "provider"
	// carries this preset's keys.
	present func(*Profile) bool
	// issuer derives the OIDC issuer URL from the preset's keys.
	issuer func(*Profile) string
	// validate checks the preset's keys and returns the key an issuer URL
	// error is reported against.
	validate func(*Profile) (string, error)
}

// Presets returns the identity provider presets in display order; the last
// one (generic OIDC) also serves profiles with an unknown provider name.
func Presets() []Preset {
	return []Preset{
		{
			Name: ProviderOkta, Keys: []string{"okta_url", "okta_client_id"}, ClientKey: "okta_client_id",
			Doc:         "| `okta_url`, `okta_client_id` | provider `okta` |",
			PromptLabel: "Okta authorization server URL", Scopes: []string{"openid", "email", "profile", "offline_access"},
			issuerField: func(p *Profile) *string { return &p.OktaURL },
			clientField: func(p *Profile) *string { return &p.OktaClientID },
			present:     func(p *Profile) bool { return p.OktaURL != "" },
			issuer:      func(p *Profile) string { return strings.TrimRight(p.OktaURL, "/") },
			validate:    requireKey("okta_url", func(p *Profile) string { return p.OktaURL }),
		},
		{
			Name: ProviderEntraID, Aliases: []string{"entra", "entraid", "azure"},
			Keys: []string{"entra_tenant_id", "entra_client_id"}, ClientKey: "entra_client_id",
			Doc:         "| `entra_tenant_id`, `entra_client_id` | provider `entra-id` |",
			PromptLabel: "Entra ID tenant id", Scopes: []string{"openid", "email", "profile", "offline_access"},
			issuerField: func(p *Profile) *string { return &p.EntraTenantID },
			clientField: func(p *Profile) *string { return &p.EntraClientID },
			present:     func(p *Profile) bool { return p.EntraTenantID != "" },
			issuer:      entraIssuer,
			validate:    validateEntra,
		},
		{
			Name: ProviderCognito, Keys: []string{"cognito_user_pool_id", "cognito_client_id"}, ClientKey: "cognito_client_id",
			Doc:         "| `cognito_user_pool_id` (or `cognito_domain` = the issuer URL), `cognito_client_id` | provider `cognito` |",
			PromptLabel: "Cognito user pool id (e.g. us-east-1_AbC123)", Scopes: []string{"openid", "email", "profile"},
			issuerField: func(p *Profile) *string { return &p.CognitoPoolID },
			clientField: func(p *Profile) *string { return &p.CognitoClient },
			present:     func(p *Profile) bool { return p.CognitoDomain != "" },
			issuer:      cognitoIssuer,
			validate:    validateCognito,
		},
		{
			Name: ProviderOIDC, Keys: []string{"issuer_url", "client_id", "scopes"},
			Doc:         "| `issuer_url`, `client_id`, `scopes` | provider `oidc` (`client_id` also works for the presets) |",
			PromptLabel: "OIDC issuer URL", Scopes: []string{"openid", "email", "profile", "offline_access"},
			issuerField: func(p *Profile) *string { return &p.IssuerURL },
			present:     func(p *Profile) bool { return p.IssuerURL != "" },
			issuer:      func(p *Profile) string { return strings.TrimRight(p.IssuerURL, "/") },
			validate:    requireKey("issuer_url", func(p *Profile) string { return p.IssuerURL }),
		},
	}
}

// ProviderNames returns the preset names in display order.
func ProviderNames() []string {
	var names []string
	for _, ps := range Presets() {
		names = append(names, ps.Name)
	}
	return names
}

// LookupPreset returns the preset named name (not an alias).
func LookupPreset(name string) (Preset, bool) {
	for _, ps := range Presets() {
		if ps.Name == name {
			return ps, true
		}
	}
	return Preset{}, false
}

// PresetFor returns the preset named name; an unknown or empty name is
// served by the generic OIDC preset, as it always was.
func PresetFor(name string) Preset {
	if ps, ok := LookupPreset(name); ok {
		return ps
	}
	all := Presets()
	return all[len(all)-1]
}

// IssuerField returns the profile setting the preset's prompt fills.
func (ps Preset) IssuerField(p *Profile) *string { return ps.issuerField(p) }

// ClientField returns the profile setting holding the preset's client id:
// its own key, or client_id.
func (ps Preset) ClientField(p *Profile) *string {
	if ps.clientField == nil {
		return &p.ClientID
	}
	return ps.clientField(p)
}

// canonicalProvider maps the original tool's aliases to preset names.
func canonicalProvider(name string) string {
	for _, ps := range Presets() {
		for _, a := range ps.Aliases {
			if a == name {
				return ps.Name
			}
		}
	}
	return name
}

// inferProvider names the first preset whose keys a provider-less legacy
// config carries, "" when none does.
func inferProvider(p *Profile) string {
	for _, ps := range Presets() {
		if ps.present(p) {
			return ps.Name
		}
	}
	return ""
}

func requireKey(key string, get func(*Profile) string) func(*Profile) (string, error) {
	return func(p *Profile) (string, error) {
		if get(p) == "" {
			return key, fmt.Errorf("%s is required for provider %s", key, p.Provider)
		}
		return key, nil
	}
}

// entraIssuer is the v2.0 tenant issuer, or the setting itself when it is
// already a URL.
func entraIssuer(p *Profile) string {
	if strings.HasPrefix(p.EntraTenantID, "http://") || strings.HasPrefix(p.EntraTenantID, "https://") {
		return strings.TrimRight(p.EntraTenantID, "/")
	}
	return "https://login.microsoftonline.com/" + p.EntraTenantID + "/v2.0"
}

func validateEntra(p *Profile) (string, error) {
	const key = "entra_tenant_id"
	if p.EntraTenantID == "" {
		return key, fmt.Errorf("entra_tenant_id is required for provider entra-id")
	}
	// Entra's discovery names its issuer by tenant GUID: a domain or
	// "common" would fail issuer verification at sign-in, so say so now.
	if !strings.Contains(p.EntraTenantID, "://") && !isTenantGUID(p.EntraTenantID) {
		return key, fmt.Errorf("entra_tenant_id %q must be the tenant id (a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47), not a domain", p.EntraTenantID)
	}
	return key, nil
}

// cognitoIssuer is the user pool's issuer
// https://cognito-idp.<region>.amazonaws.com/<pool id> when
// cognito_user_pool_id is set, else cognito_domain taken as the issuer.
func cognitoIssuer(p *Profile) string {
	if p.CognitoPoolID != "" {
		region, _, _ := strings.Cut(p.CognitoPoolID, "_")
		return "https://cognito-idp." + region + ".amazonaws.com/" + p.CognitoPoolID
	}
	d := strings.TrimRight(p.CognitoDomain, "/")
	if !strings.Contains(d, "://") {
		d = "https://" + d
	}
	return d
}

func validateCognito(p *Profile) (string, error) {
	switch {
	case p.CognitoPoolID != "":
		if !isCognitoPool(p.CognitoPoolID) {
			return "cognito_user_pool_id", fmt.Errorf("cognito_user_pool_id %q is not a user pool id (REGION_ID, e.g. us-east-1_AbC123)", p.CognitoPoolID)
		}
		return "cognito_user_pool_id", nil
	case p.CognitoDomain == "":
		return "cognito_domain", fmt.Errorf("cognito_user_pool_id (or cognito_domain as the issuer URL) is required for provider cognito")
	case strings.Contains(p.CognitoDomain, ".amazoncognito.com"):
		// The hosted UI domain serves no discovery document: the OIDC
		// issuer is the user pool.
		return "cognito_domain", fmt.Errorf("cognito_domain %q is the hosted UI domain; set cognito_user_pool_id (e.g. us-east-1_AbC123): the OIDC issuer is the user pool", p.CognitoDomain)
	}
	return "cognito_domain", nil
}
