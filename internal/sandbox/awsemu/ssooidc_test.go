package awsemu

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	oidctypes "github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
)

func TestSSOOIDCCreateTokenWithIAMRules(t *testing.T) {
	t.Parallel()
	f := awsStart(t, func(o *AWSOptions) { o.Users = map[string]string{"alice@example.com": "u-alice"} })
	ctx := context.Background()
	oidcCreds, enhanced := f.chain(t)
	now := f.clock.Now()
	used := f.mint(t, nil)
	if _, err := f.oidc(oidcCreds).CreateTokenWithIAM(ctx, &ssooidc.CreateTokenWithIAMInput{ClientId: aws.String(f.aws.ApplicationARN()),
		GrantType: aws.String(oidcsvcJWTBearer), Assertion: aws.String(used)}); err != nil {
		t.Fatalf("first use: %v", err)
	}
	tests := []struct {
		name     string
		caller   aws.Credentials
		client   string
		grant    string
		token    func() string
		want     string
		wantDesc string
	}{
		{name: "ok"},
		{name: "replay", token: func() string { return used }, want: "InvalidGrantException", wantDesc: "assertion already used"},
		{name: "wrong client", client: "arn:aws:sso::123456789012:application/ssoins-1111222233334444/apl-0000000000000000", want: "InvalidClientException"},
		{name: "wrong grant type", grant: "refresh_token", want: "UnsupportedGrantTypeException"},
		{name: "missing assertion", token: func() string { return "" }, want: "InvalidRequestException"},
		{name: "forged assertion", token: func() string {
			return awsForge(t, map[string]any{"iss": f.idp.Issuer(), "aud": "tip-cli-sandbox", "sub": "x", "email": "alice@example.com", "exp": now.Add(time.Hour).Unix()})
		}, want: "InvalidGrantException"},
		{name: "expired assertion", token: func() string {
			return f.mint(t, func(c map[string]any) { c["exp"] = now.Add(-time.Second).Unix() })
		}, want: "InvalidGrantException"},
		{name: "wrong audience", token: func() string { return f.mint(t, func(c map[string]any) { c["aud"] = "other" }) }, want: "InvalidGrantException"},
		{name: "no email", token: func() string { return f.mint(t, func(c map[string]any) { delete(c, "email") }) }, want: "InvalidGrantException"},
		{name: "caller not oidc role", caller: enhanced, want: "AccessDeniedException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &ssooidc.CreateTokenWithIAMInput{ClientId: aws.String(f.aws.ApplicationARN()), GrantType: aws.String(oidcsvcJWTBearer)}
			if tt.client != "" {
				in.ClientId = aws.String(tt.client)
			}
			if tt.grant != "" {
				in.GrantType = aws.String(tt.grant)
			}
			if tt.token != nil {
				if tok := tt.token(); tok != "" {
					in.Assertion = aws.String(tok)
				}
			} else {
				in.Assertion = aws.String(f.mint(t, nil))
			}
			caller := oidcCreds
			if tt.caller.AccessKeyID != "" {
				caller = tt.caller
			}
			out, err := f.oidc(caller).CreateTokenWithIAM(ctx, in)
			if got := awsCode(err); got != tt.want {
				t.Fatalf("error code = %q (%v), want %q", got, err, tt.want)
			}
			if tt.want == "" {
				if ic := aws.ToString(out.AwsAdditionalDetails.IdentityContext); len(ic) < 4 || len(ic) > 2048 {
					t.Errorf("identity context length %d outside 4..2048", len(ic))
				}
			}
			var ige *oidctypes.InvalidGrantException
			if tt.wantDesc != "" && (!errors.As(err, &ige) || !strings.Contains(aws.ToString(ige.Error_description), tt.wantDesc) || aws.ToString(ige.Error_) != "invalid_grant") {
				t.Errorf("error = %#v, want error_description containing %q", err, tt.wantDesc)
			}
		})
	}
}
