package config

import (
	"encoding/json"
	"strings"
	"testing"
)

const sharedConfig = `{
  "sign_ins": {"corp": {"provider": "okta", "okta_url": "https://example.okta.com/oauth2/default", "okta_client_id": "0oa1", "prompt": "consent"}},
  "profiles": {
    "dev":  {"sign_in": "corp", "token_exchange_application_arn": "` + appARN + `", "oidc_role_arn": "` + oidcARN + `", "id_enhanced_role_arn": "` + ideARN + `", "region": "eu-west-1"},
    "prod": {"sign_in": "corp", "token_exchange_application_arn": "` + appARN + `", "oidc_role_arn": "` + oidcARN + `", "id_enhanced_role_arn": "` + ideARN + `", "region": "us-east-1",
             "okta_url": "https://ignored.okta.com"},
    "solo": {"provider": "oidc", "issuer_url": "https://idp.example.com", "client_id": "c", "token_exchange_application_arn": "` + appARN + `", "oidc_role_arn": "` + oidcARN + `", "id_enhanced_role_arn": "` + ideARN + `"},
    "lost": {"sign_in": "gone", "token_exchange_application_arn": "` + appARN + `"}
  }
}`

func TestSharedSignInResolves(t *testing.T) {
	f, err := parse([]byte(sharedConfig))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"dev", "prod"} {
		p, err := f.Profile(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		// The sign-in's IdP settings replace any the profile carries.
		if p.SignIn != "corp" || p.Issuer() != "https://example.okta.com/oauth2/default" || p.Client() != "0oa1" || p.Prompt != "consent" {
			t.Errorf("%s resolved to %+v", name, p)
		}
	}
	if p, _ := f.Profile("prod"); p.Region != "us-east-1" {
		t.Errorf("prod keeps its own region, got %q", p.Region)
	}
	if got := f.SignInProfiles("corp"); strings.Join(got, ",") != "dev,prod" {
		t.Errorf("SignInProfiles = %v", got)
	}
	if p, err := f.Profile("solo"); err != nil || p.SignIn != "" || p.Issuer() != "https://idp.example.com" {
		t.Errorf("solo = %+v, %v: a profile without sign_in is its own sign-in", p, err)
	}
	if _, err := f.Profile("lost"); err == nil || !strings.Contains(err.Error(), `sign-in "gone", which is not configured`) {
		t.Errorf("dangling sign-in: %v", err)
	}
	// Resolution never writes the sign-in's settings back into the profile.
	if f.Profiles["dev"].OktaURL != "" {
		t.Error("resolving changed the stored profile")
	}
	out, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	again, err := parse(out)
	if err != nil || again.SignIns["corp"].OktaClientID != "0oa1" || again.Profiles["dev"].SignIn != "corp" {
		t.Errorf("round trip: %v, %s", err, out)
	}
}

func TestSharedSignInRejects(t *testing.T) {
	tests := []struct {
		name, data, wantErr string
	}{
		{"profile keys in a sign-in", `{"sign_ins":{"corp":{"provider":"okta","region":"us-east-1"}},"profiles":{}}`, "sets profile keys"},
		{"sign-in naming a sign-in", `{"sign_ins":{"corp":{"sign_in":"x"}},"profiles":{}}`, "sets profile keys"},
		{"null sign-in", `{"sign_ins":{"corp":null},"profiles":{}}`, "is null"},
		{"bad sign-in name", `{"sign_ins":{"a/b":{"provider":"okta"}},"profiles":{}}`, "sign-in name"},
		{"NUL in a profile name", `{"profiles":{"a\u0000b":{"provider":"okta"}}}`, "control character U+0000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse([]byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Parse error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestIdPSplit(t *testing.T) {
	p := validProfile()
	p.Scopes = []string{"openid", "groups"}
	idp, rest := p.IdPSettings(), p.WithoutIdP()
	if idp.TokenExchangeApplicationARN != "" || idp.Region != "" || idp.OktaURL != p.OktaURL || len(idp.Scopes) != 2 {
		t.Errorf("IdPSettings = %+v", idp)
	}
	if rest.OktaURL != "" || rest.Provider != "" || rest.Scopes != nil || rest.Region != p.Region {
		t.Errorf("WithoutIdP = %+v", rest)
	}
	if !p.HasIdPKeys() || rest.HasIdPKeys() {
		t.Error("HasIdPKeys: want true for the whole profile, false without IdP settings")
	}
	if got := rest.WithIdP(idp); got.Issuer() != p.Issuer() || got.Validate() != nil {
		t.Errorf("WithIdP does not restore the profile: %+v", got)
	}
}

// TestSignInFlow: "flow" is auto unless set; every flow value is valid,
// and a profile on a shared sign-in uses the sign-in's flow, not its own.
func TestSignInFlow(t *testing.T) {
	t.Parallel()
	if got := (&Profile{}).SignInFlow(); got != FlowAuto {
		t.Errorf("default flow = %q, want auto", got)
	}
	for _, f := range []string{"", FlowAuto, FlowBrowser, FlowDevice, FlowPaste} {
		if err := ValidateFlow(f); err != nil {
			t.Errorf("flow %q: %v", f, err)
		}
	}
	if err := ValidateFlow("Paste"); err == nil || err.Error() != `flow "Paste" must be one of auto, browser, device, paste` {
		t.Errorf("flow Paste: %v", err)
	}
	f := &File{
		SignIns:  map[string]*Profile{"corp": {Provider: ProviderOIDC, IssuerURL: "https://idp.example.com", ClientID: "c", Flow: FlowPaste}},
		Profiles: map[string]*Profile{"dev": {SignIn: "corp", Flow: FlowDevice}},
	}
	p, err := f.Profile("dev")
	if err != nil {
		t.Fatal(err)
	}
	if got := p.SignInFlow(); got != FlowPaste {
		t.Errorf("flow of a profile on sign-in corp = %q, want the sign-in's paste", got)
	}
}
