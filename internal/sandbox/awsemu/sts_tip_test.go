package awsemu

import (
	"context"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// tipContext is the context provider the TIP tests attach: the person is
// the email claim, a fixed subject type, the name claim mapped.
func tipContext() *ContextProvider {
	return &ContextProvider{SubjectSourceKey: "email", SubjectTypeValue: "user",
		KeyDefinitions: []KeyDefinition{{SourceKey: "name", TargetKey: "display_name"}, {SourceKey: "absent"}}}
}

// federate runs AssumeRoleWithWebIdentity into role with a token for alice
// (claims adjusted by mutate) and duration seconds (0: not sent).
func (f *awsFixture) federate(t *testing.T, role string, duration int32, mutate func(map[string]any)) (*sts.AssumeRoleWithWebIdentityOutput, error) {
	t.Helper()
	in := &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String(role), RoleSessionName: aws.String("alice"), WebIdentityToken: aws.String(f.mint(t, mutate))}
	if duration != 0 {
		in.DurationSeconds = aws.Int32(duration)
	}
	return f.sts(aws.Credentials{}).AssumeRoleWithWebIdentity(context.Background(), in)
}

func TestSTSWebIdentityTIPContext(t *testing.T) {
	t.Parallel()
	f := awsStart(t, func(o *AWSOptions) { o.ContextProvider = tipContext() })
	out, err := f.federate(t, f.aws.FederationRoleARN(), 0, nil)
	if err != nil {
		t.Fatalf("AssumeRoleWithWebIdentity: %v", err)
	}
	tip := out.TrustedIdentityPropagationContext
	if tip == nil || tip.OriginIdentity == nil {
		t.Fatalf("no TrustedIdentityPropagationContext in %+v", out)
	}
	o := tip.OriginIdentity
	wantIssuer := strings.TrimPrefix(f.idp.Issuer(), "http://")
	if aws.ToString(o.Subject) != "alice@example.com" || aws.ToString(o.SubjectType) != "user" ||
		aws.ToString(o.Issuer) != wantIssuer || aws.ToString(o.FederatedProviderArn) != f.aws.OIDCProviderARN() {
		t.Fatalf("OriginIdentity = {%q %q %q %q}", aws.ToString(o.Subject), aws.ToString(o.SubjectType), aws.ToString(o.Issuer), aws.ToString(o.FederatedProviderArn))
	}
	if tip.TransactionContext == nil || !maps.Equal(tip.TransactionContext.IdentityProvider, map[string]string{"display_name": "Alice Example"}) {
		t.Fatalf("TransactionContext = %+v", tip.TransactionContext)
	}
	// The default duration is 3600 s; the session carries the person.
	if exp := aws.ToTime(out.Credentials.Expiration); !exp.Equal(f.clock.Now().Add(time.Hour)) {
		t.Fatalf("expiration = %v, want now+1h", exp)
	}
	cred, ok := f.aws.Credential(aws.ToString(out.Credentials.AccessKeyId))
	if !ok || cred.Principal.Kind != "web-identity" || cred.Principal.Origin == nil || cred.Principal.Origin.Subject != "alice@example.com" {
		t.Fatalf("principal = %+v", cred.Principal)
	}

	// SubjectTypeSourceKey reads the type from a claim.
	if err := f.aws.SetContextProvider(f.aws.OIDCProviderARN(), &ContextProvider{SubjectSourceKey: "sub", SubjectTypeSourceKey: "kind"}); err != nil {
		t.Fatal(err)
	}
	out, err = f.federate(t, f.aws.FederationRoleARN(), 0, func(c map[string]any) { c["kind"] = "workload" })
	if err != nil {
		t.Fatalf("AssumeRoleWithWebIdentity: %v", err)
	}
	o = out.TrustedIdentityPropagationContext.OriginIdentity
	if aws.ToString(o.Subject) != aws.ToString(out.SubjectFromWebIdentityToken) || aws.ToString(o.SubjectType) != "workload" || out.TrustedIdentityPropagationContext.TransactionContext != nil {
		t.Fatalf("OriginIdentity = %+v, TransactionContext %+v", o, out.TrustedIdentityPropagationContext.TransactionContext)
	}

	// A token without the SubjectSourceKey claim is refused.
	_, err = f.federate(t, f.aws.FederationRoleARN(), 0, func(c map[string]any) { delete(c, "sub") })
	if awsCode(err) != "InvalidIdentityToken" {
		t.Fatalf("missing subject claim: err = %v, want InvalidIdentityToken", err)
	}
}

// TestSTSWebIdentityWithoutContextProvider: no context provider, no element
// and no origin; adding one through the IAM API turns it on.
func TestSTSWebIdentityWithoutContextProvider(t *testing.T) {
	t.Parallel()
	f := awsStart(t, nil)
	for _, role := range []string{f.aws.FederationRoleARN(), f.aws.OIDCRoleARN()} {
		out, err := f.federate(t, role, 0, nil)
		if err != nil {
			t.Fatalf("AssumeRoleWithWebIdentity %s: %v", role, err)
		}
		if out.TrustedIdentityPropagationContext != nil {
			t.Fatalf("%s: context %+v without a context provider", role, out.TrustedIdentityPropagationContext)
		}
	}
	_, err := f.iamClient(t).UpdateOpenIDConnectProvider(context.Background(), &iam.UpdateOpenIDConnectProviderInput{
		OpenIDConnectProviderArn: aws.String(f.aws.OIDCProviderARN()),
		ContextProvider:          &iamtypes.ContextProvider{SubjectSourceKey: aws.String("email")},
	})
	if err != nil {
		t.Fatalf("UpdateOpenIDConnectProvider: %v", err)
	}
	out, err := f.federate(t, f.aws.FederationRoleARN(), 0, nil)
	if err != nil {
		t.Fatalf("AssumeRoleWithWebIdentity: %v", err)
	}
	o := out.TrustedIdentityPropagationContext.OriginIdentity
	if aws.ToString(o.Subject) != "alice@example.com" || o.SubjectType != nil {
		t.Fatalf("OriginIdentity = %+v (no subject type configured: none returned)", o)
	}
}

func TestSTSWebIdentityFederationRules(t *testing.T) {
	t.Parallel()
	f := awsStart(t, func(o *AWSOptions) {
		o.ContextProvider = tipContext()
		o.FederationMaxSession = 2 * time.Hour
	})
	arn, err := f.aws.PutRole(iamRole{Name: "wrong-aud", TrustPolicy: webIdentityTrustPolicy(f.aws.OIDCProviderARN(), "someone-else"), MaxSessionDuration: 12 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	otherProvider, err := f.aws.PutRole(iamRole{Name: "other-idp", TrustPolicy: webIdentityTrustPolicy("arn:aws:iam::123456789012:oidc-provider/idp.example.com", "tip-cli-sandbox")})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		role     string
		duration int32
		mutate   func(map[string]any)
		code     string
		message  string
		expires  time.Duration
	}{
		{name: "role maximum", role: f.aws.FederationRoleARN(), duration: 7200, expires: 2 * time.Hour},
		{name: "over the role maximum", role: f.aws.FederationRoleARN(), duration: 7201, code: "ValidationError",
			message: "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."},
		{name: "over 12 h", role: arn, duration: 43201, code: "ValidationError"},
		{name: "trust requires another audience", role: arn, code: "AccessDenied"},
		{name: "trust names another provider", role: otherProvider, code: "AccessDenied"},
		{name: "audience not in ClientIDList", role: f.aws.FederationRoleARN(), mutate: func(c map[string]any) { c["aud"] = "other-app" }, code: "InvalidIdentityToken", message: "Incorrect token audience"},
		{name: "unknown role", role: f.aws.RoleARN("nope"), code: "AccessDenied"},
	}
	for _, tc := range tests {
		out, err := f.federate(t, tc.role, tc.duration, tc.mutate)
		if tc.code == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			} else if exp := aws.ToTime(out.Credentials.Expiration); !exp.Equal(f.clock.Now().Add(tc.expires)) {
				t.Errorf("%s: expiration %v, want now+%v", tc.name, exp, tc.expires)
			}
			continue
		}
		if awsCode(err) != tc.code || !strings.Contains(errMessage(err), tc.message) {
			t.Errorf("%s: err = %v, want %s %q", tc.name, err, tc.code, tc.message)
		}
	}
}

// TestSTSWebIdentitySessionLifetime: SessionLifetime shortens the sessions
// handed to users (the federation role's), not the OIDC role's first hop.
func TestSTSWebIdentitySessionLifetime(t *testing.T) {
	t.Parallel()
	f := awsStart(t, func(o *AWSOptions) { o.ContextProvider = tipContext(); o.SessionLifetime = 5 * time.Second })
	for role, want := range map[string]time.Duration{f.aws.FederationRoleARN(): 5 * time.Second, f.aws.OIDCRoleARN(): time.Hour} {
		out, err := f.federate(t, role, 0, nil)
		if err != nil {
			t.Fatalf("%s: %v", role, err)
		}
		if exp := aws.ToTime(out.Credentials.Expiration); !exp.Equal(f.clock.Now().Add(want)) {
			t.Errorf("%s: expiration %v, want now+%v", role, exp, want)
		}
	}
}
