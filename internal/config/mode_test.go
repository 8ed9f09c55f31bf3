package config

import (
	"strings"
	"testing"
)

func federationProfile() *Profile {
	return &Profile{Provider: ProviderOIDC, IssuerURL: "https://idp.example.com", ClientID: "c",
		Mode: TIPModeIAMFederation, RoleARN: "arn:aws:iam::123456789012:role/tip-federated"}
}

func TestModeValidate(t *testing.T) {
	ic := func() *Profile {
		return &Profile{Provider: ProviderOIDC, IssuerURL: "https://idp.example.com", ClientID: "c",
			TokenExchangeApplicationARN: "arn:aws:sso::123456789012:application/ssoins-1111222233334444/apl-5555666677778888",
			OIDCRoleARN:                 "arn:aws:iam::123456789012:role/o", IDEnhancedRoleARN: "arn:aws:iam::123456789012:role/e"}
	}
	tests := []struct {
		name    string
		edit    func() *Profile
		wantErr string
	}{
		{"identity-center default", ic, ""},
		{"identity-center explicit", func() *Profile { p := ic(); p.Mode = TIPModeIdentityCenter; return p }, ""},
		{"identity-center with role_arn", func() *Profile { p := ic(); p.RoleARN = "arn:aws:iam::123456789012:role/x"; return p }, "need \"tip_mode\""},
		{"identity-center missing application", func() *Profile { p := ic(); p.TokenExchangeApplicationARN = ""; return p }, "token_exchange_application_arn"},
		{"federation minimal", federationProfile, ""},
		{"federation 12h", func() *Profile { p := federationProfile(); p.DurationSeconds = 43200; return p }, ""},
		{"federation too long", func() *Profile { p := federationProfile(); p.DurationSeconds = 43201; return p }, "duration_seconds 43201"},
		{"federation too short", func() *Profile { p := federationProfile(); p.DurationSeconds = 899; return p }, "duration_seconds 899"},
		{"federation without role", func() *Profile { p := federationProfile(); p.RoleARN = ""; return p }, "role_arn: is required"},
		{"federation instance", func() *Profile {
			p := federationProfile()
			p.IdentityCenterInstanceARN = "arn:aws:sso:::instance/ssoins-1111222233334444"
			return p
		}, ""},
		{"federation bad instance", func() *Profile {
			p := federationProfile()
			p.IdentityCenterInstanceARN = "arn:aws:sso:::instance/x"
			return p
		}, "identity_center_instance_arn"},
		{"unknown mode", func() *Profile { p := federationProfile(); p.Mode = "federation"; return p }, "tip_mode \"federation\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.edit().Validate()
			if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("Validate() = %v, want error containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestChainIDStable pins the ids: cached sessions carry them, so a change
// of how they are computed would refuse every cached session once.
func TestChainIDStable(t *testing.T) {
	ic := &Profile{OIDCRoleARN: "arn:aws:iam::123456789012:role/o", IDEnhancedRoleARN: "arn:aws:iam::123456789012:role/e",
		TokenExchangeApplicationARN: "arn:aws:sso::123456789012:application/ssoins-1/apl-2"}
	if got := ic.ChainID(); got != "75eee6f41cc4ccff" {
		t.Errorf("identity-center ChainID = %s", got)
	}
	if got := federationProfile().ChainID(); got != "e99e127cc4ae37f3" {
		t.Errorf("iam-federation ChainID = %s", got)
	}
}

// TestChainID: any change a minted session depends on changes the id; the
// IdP settings (shared by every mode) do not.
func TestChainID(t *testing.T) {
	base := federationProfile()
	id := base.ChainID()
	changed := []func(p *Profile){
		func(p *Profile) { p.RoleARN = "arn:aws:iam::123456789012:role/other" },
		func(p *Profile) { p.DurationSeconds = 7200 },
		func(p *Profile) { p.Mode = "" },
	}
	for i, edit := range changed {
		p := *base
		edit(&p)
		if p.ChainID() == id {
			t.Errorf("change %d kept the chain id %s", i, id)
		}
	}
	p := *base
	p.ClientID, p.Region, p.DurationSeconds = "other-client", "eu-west-1", DefaultDurationSeconds
	if p.ChainID() != id {
		t.Errorf("IdP settings, region or an explicit default duration changed the chain id")
	}
}
