package sandbox

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/tip-cli/tip-cli/internal/testkey"
)

// TestStartFederationModes: the options set up the federation role with or
// without a context provider, and with the audience its trust requires.
func TestStartFederationModes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		opts        EnvOptions
		wantContext bool
		wantCode    string
	}{
		{name: "context provider", opts: EnvOptions{ContextProvider: ContextProviderEmail()}, wantContext: true},
		{name: "no context provider", opts: EnvOptions{}},
		{name: "trust requires another audience", opts: EnvOptions{ContextProvider: ContextProviderEmail(), FederationAudience: "other"}, wantCode: "AccessDenied"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.opts.Key = testkey.RSA(t)
			env, err := Start(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(env.Close)
			tok, err := env.IdP.MintIDToken("alice@example.com", nil)
			if err != nil {
				t.Fatal(err)
			}
			out, err := sts.NewFromConfig(env.AWSConfig()).AssumeRoleWithWebIdentity(context.Background(), &sts.AssumeRoleWithWebIdentityInput{
				RoleArn: aws.String(env.FederationRoleARN()), RoleSessionName: aws.String("alice"), WebIdentityToken: aws.String(tok), DurationSeconds: aws.Int32(43200),
			})
			if tc.wantCode != "" {
				var ae smithy.APIError
				if !errors.As(err, &ae) || ae.ErrorCode() != tc.wantCode {
					t.Fatalf("err = %v, want %s", err, tc.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatalf("AssumeRoleWithWebIdentity: %v", err)
			}
			tip := out.TrustedIdentityPropagationContext
			if got := tip != nil; got != tc.wantContext {
				t.Fatalf("context present = %v, want %v", got, tc.wantContext)
			}
			if tc.wantContext && aws.ToString(tip.OriginIdentity.Subject) != "alice@example.com" {
				t.Fatalf("Subject = %q", aws.ToString(tip.OriginIdentity.Subject))
			}
		})
	}
}
