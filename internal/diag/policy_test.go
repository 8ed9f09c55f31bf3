package diag

import (
	"encoding/json"
	"testing"
)

func TestAnalyzeActorPolicy(t *testing.T) {
	const role = "arn:aws:iam::123456789012:role/oidc"
	tests := []struct {
		name                 string
		doc                  string
		wantAction, wantRole bool
		wantConditional      bool
	}{
		{"exact", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"` + role + `"},"Action":"sso-oauth:CreateTokenWithIAM","Resource":"*"}]}`, true, true, false},
		{"statement object, lists", `{"Statement":{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::1:role/x","` + role + `"]},"Action":["s3:GetObject","sso-oauth:*"]}}`, true, true, false},
		{"account root", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sso-oauth:createtokenwithiam"}]}`, true, true, false},
		{"bare account", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"*"}]}`, true, true, false},
		{"wildcard role", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/oi*"},"Action":"sso-oauth:CreateToken*"}]}`, true, true, false},
		{"star principal", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sso-oauth:CreateTokenWithIAM"}]}`, true, true, false},
		{"other role", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/other"},"Action":"sso-oauth:CreateTokenWithIAM"}]}`, true, false, false},
		{"other account", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sso-oauth:CreateTokenWithIAM"}]}`, true, false, false},
		{"wrong action", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"` + role + `"},"Action":"sso-oauth:CreateToken"}]}`, false, false, false},
		{"deny only", `{"Statement":[{"Effect":"Deny","Principal":{"AWS":"` + role + `"},"Action":"sso-oauth:CreateTokenWithIAM"}]}`, false, false, false},
		{"conditional", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"` + role + `"},"Action":"sso-oauth:CreateTokenWithIAM","Condition":{"StringEquals":{"aws:PrincipalTag/x":"y"}}}]}`, true, true, true},
		{"garbage", `{"Statement":"nope"}`, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc map[string]any
			if err := json.Unmarshal([]byte(tt.doc), &doc); err != nil {
				t.Fatal(err)
			}
			v := analyzeActorPolicy(doc, role)
			if v.AllowsAction != tt.wantAction || v.AllowsRole != tt.wantRole || v.Conditional != tt.wantConditional {
				t.Errorf("verdict = %+v", v)
			}
		})
	}
}

func TestWildcardMatch(t *testing.T) {
	tests := []struct {
		p, s string
		want bool
	}{
		{"*", "", true}, {"a*c", "abbbc", true}, {"a*c", "abbb", false}, {"a?c", "abc", true},
		{"a?c", "ac", false}, {"*b*", "aaabaaa", true}, {"abc", "abcd", false}, {"", "", true},
	}
	for _, tt := range tests {
		if got := wildcardMatch(tt.p, tt.s, false); got != tt.want {
			t.Errorf("wildcardMatch(%q, %q) = %v", tt.p, tt.s, got)
		}
	}
}

func TestInstanceFromApplication(t *testing.T) {
	got := instanceFromApplication("arn:aws:sso::123456789012:application/ssoins-1111222233334444/apl-5555666677778888")
	if got != "arn:aws:sso:::instance/ssoins-1111222233334444" {
		t.Errorf("got %q", got)
	}
	if instanceFromApplication("nope") != "" {
		t.Error("garbage accepted")
	}
}
