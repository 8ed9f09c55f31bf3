package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const (
	appARN  = "arn:aws:sso::123456789012:application/ssoins-1111222233334444/apl-5555666677778888"
	oidcARN = "arn:aws:iam::123456789012:role/tip-oidc"
	ideARN  = "arn:aws:iam::123456789012:role/tip-id-enhanced"
)

func validProfile() *Profile {
	return &Profile{
		Provider: ProviderOkta, OktaURL: "https://example.okta.com/oauth2/default", OktaClientID: "0oa1",
		TokenExchangeApplicationARN: appARN, OIDCRoleARN: oidcARN, IDEnhancedRoleARN: ideARN, Region: "us-east-1",
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(p *Profile)
		wantErr string
	}{
		{"valid okta", func(*Profile) {}, ""},
		{"unknown provider", func(p *Profile) { p.Provider = "ping" }, `unknown provider "ping"`},
		{"missing provider", func(p *Profile) { p.Provider = "" }, "provider is required"},
		{"non-ARN role", func(p *Profile) { p.OIDCRoleARN = "tip-oidc" }, "oidc_role_arn"},
		{"user ARN is not a role", func(p *Profile) { p.IDEnhancedRoleARN = "arn:aws:iam::123456789012:user/bob" }, "id_enhanced_role_arn"},
		{"bad application ARN", func(p *Profile) { p.TokenExchangeApplicationARN = "arn:aws:sso::123:application/x" }, "token_exchange_application_arn"},
		{"plain http issuer", func(p *Profile) { p.OktaURL = "http://example.okta.com" }, "must use https"},
		{"http loopback issuer ok", func(p *Profile) { p.OktaURL = "http://127.0.0.1:9000" }, ""},
		{"issuer with query", func(p *Profile) { p.OktaURL = "https://x.okta.com/?a=b" }, "query"},
		{"empty client id", func(p *Profile) { p.OktaClientID = " " }, "client id is required"},
		{"client_id fallback", func(p *Profile) { p.OktaClientID = ""; p.ClientID = "abc" }, ""},
		{"bad region", func(p *Profile) { p.Region = "moon-1" }, "region"},
		{"redirect off loopback", func(p *Profile) { p.RedirectURI = "http://example.com:8090/callback" }, "redirect_uri"},
		{"redirect without port", func(p *Profile) { p.RedirectURI = "http://localhost/callback" }, "port"},
		{"bad flow", func(p *Profile) { p.Flow = "magic" }, "flow"},
		{"prompt consent", func(p *Profile) { p.Prompt = "consent" }, ""},
		{"bad prompt", func(p *Profile) { p.Prompt = "always" }, "prompt"},
		{"bad session policy", func(p *Profile) { p.SessionPolicy = "{" }, "session_policy"},
		{"cognito pool", func(p *Profile) {
			*p = Profile{Provider: ProviderCognito, CognitoPoolID: "us-east-1_AbC123", CognitoClient: "c", TokenExchangeApplicationARN: appARN, OIDCRoleARN: oidcARN, IDEnhancedRoleARN: ideARN}
		}, ""},
		{"cognito bad pool", func(p *Profile) {
			*p = Profile{Provider: ProviderCognito, CognitoPoolID: "AbC123", CognitoClient: "c", TokenExchangeApplicationARN: appARN, OIDCRoleARN: oidcARN, IDEnhancedRoleARN: ideARN}
		}, "cognito_user_pool_id"},
		{"cognito hosted UI domain", func(p *Profile) {
			*p = Profile{Provider: ProviderCognito, CognitoDomain: "myapp.auth.us-east-1.amazoncognito.com", CognitoClient: "c", TokenExchangeApplicationARN: appARN, OIDCRoleARN: oidcARN, IDEnhancedRoleARN: ideARN}
		}, "hosted UI domain"},
		{"entra tenant", func(p *Profile) {
			*p = Profile{Provider: ProviderEntraID, EntraTenantID: "72f988bf-86f1-41af-91ab-2d7cd011db47", EntraClientID: "c", TokenExchangeApplicationARN: appARN, OIDCRoleARN: oidcARN, IDEnhancedRoleARN: ideARN}
		}, ""},
		{"entra domain instead of tenant id", func(p *Profile) {
			*p = Profile{Provider: ProviderEntraID, EntraTenantID: "contoso.onmicrosoft.com", EntraClientID: "c", TokenExchangeApplicationARN: appARN, OIDCRoleARN: oidcARN, IDEnhancedRoleARN: ideARN}
		}, "not a domain"},
		{"entra tenant with slash", func(p *Profile) {
			*p = Profile{Provider: ProviderEntraID, EntraTenantID: "a/b", EntraClientID: "c", TokenExchangeApplicationARN: appARN, OIDCRoleARN: oidcARN, IDEnhancedRoleARN: ideARN}
		}, "entra_tenant_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := validProfile()
			tt.mutate(p)
			err := p.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestIssuerPresets(t *testing.T) {
	tests := []struct {
		p    Profile
		want string
	}{
		{Profile{Provider: ProviderOkta, OktaURL: "https://x.okta.com/oauth2/default/"}, "https://x.okta.com/oauth2/default"},
		{Profile{Provider: ProviderEntraID, EntraTenantID: "tid"}, "https://login.microsoftonline.com/tid/v2.0"},
		{Profile{Provider: ProviderCognito, CognitoDomain: "cognito-idp.us-east-1.amazonaws.com/us-east-1_abc"}, "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc"},
		{Profile{Provider: ProviderOIDC, IssuerURL: "https://idp.example.com/"}, "https://idp.example.com"},
		{Profile{Provider: ProviderCognito, CognitoPoolID: "eu-west-2_AbC123"}, "https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_AbC123"},
	}
	for _, tt := range tests {
		if got := tt.p.Issuer(); got != tt.want {
			t.Errorf("%s: Issuer() = %q, want %q", tt.p.Provider, got, tt.want)
		}
	}
}

func TestLegacyFlatConfigLoadsAsDefault(t *testing.T) {
	dir := t.TempDir()
	flat := `{"okta_url":"https://example.okta.com","okta_client_id":"0oa1",
"token_exchange_application_arn":"` + appARN + `","oidc_role_arn":"` + oidcARN + `","id_enhanced_role_arn":"` + ideARN + `"}`
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(flat), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.Profile(DefaultProfile)
	if err != nil {
		t.Fatal(err)
	}
	if p.Provider != ProviderOkta || p.Client() != "0oa1" {
		t.Fatalf("legacy profile = %+v", p)
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestLoadSaveRoundTripAndCorruption(t *testing.T) {
	dir := t.TempDir()
	f := &File{Profiles: map[string]*Profile{"default": validProfile(), "work": validProfile()}}
	if err := Save(dir, f); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("config mode %v", info.Mode().Perm())
	}
	g, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(g.Names(), ",") != "default,work" {
		t.Errorf("names %v", g.Names())
	}
	for _, bad := range []string{"{", "[]", "null", `{"profiles":{"x":null}}`} {
		if err := os.WriteFile(filepath.Join(dir, FileName), []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "corrupt") {
			t.Errorf("Load(%q) error = %v, want corrupt", bad, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"profiles":{"default":{"provider":"okta"}}}`))
	f.Add([]byte(`{"okta_url":"https://x","idp":"okta"}`))
	f.Add([]byte(`{"scopes":[1]}`))
	f.Add([]byte(sharedConfig))
	f.Add([]byte(`{"sign_ins":{"x":{"provider":"oidc","issuer_url":"https://i"}},"profiles":{"a":{"sign_in":"x"},"b":{"sign_in":"y"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := parse(data)
		if err != nil {
			return
		}
		for _, name := range cfg.Names() {
			p, err := cfg.Profile(name)
			if err != nil {
				continue // a dangling sign-in
			}
			if p.SignIn != "" && !reflect.DeepEqual(p.IdPSettings(), cfg.SignIns[p.SignIn].IdPSettings()) {
				t.Fatalf("profile %q does not use the settings of its sign-in %q", name, p.SignIn)
			}
			_ = p.Validate() // must not panic
			_ = p.Issuer()
		}
	})
}
