package iamoidc

import "testing"

func TestNames(t *testing.T) {
	for _, tt := range []struct{ issuer, role, url, arn string }{
		{"https://x.okta.com/oauth2/default/", "arn:aws:iam::123456789012:role/r", "x.okta.com/oauth2/default", "arn:aws:iam::123456789012:oidc-provider/x.okta.com/oauth2/default"},
		{"http://127.0.0.1:9000", "arn:aws-cn:iam::210987654321:role/p/r", "127.0.0.1:9000", "arn:aws-cn:iam::210987654321:oidc-provider/127.0.0.1:9000"},
		{"https://login.example.com", "not-an-arn", "login.example.com", "arn:aws:iam::ACCOUNT_ID:oidc-provider/login.example.com"},
	} {
		if got := ProviderURL(tt.issuer); got != tt.url {
			t.Errorf("ProviderURL(%q) = %q, want %q", tt.issuer, got, tt.url)
		}
		if got := ProviderARN(tt.role, tt.issuer); got != tt.arn {
			t.Errorf("ProviderARN(%q, %q) = %q, want %q", tt.role, tt.issuer, got, tt.arn)
		}
	}
	want := `aws iam update-open-id-connect-provider --open-id-connect-provider-arn ARN --context-provider '{"SubjectSourceKey":"email","SubjectTypeValue":"user"}'`
	if got := ContextProviderCommand("ARN", "email", "user"); got != want {
		t.Errorf("ContextProviderCommand = %s", got)
	}
}
