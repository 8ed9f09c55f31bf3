package awsemu

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/tip-cli/tip-cli/internal/testkey"
)

// awsForge signs claims with a key the IdP does not publish.
func awsForge(t *testing.T, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: testkey.Other(t)}, (&jose.SignerOptions{}).WithHeader("kid", "forged"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestSTSAssumeRoleWithWebIdentityRules(t *testing.T) {
	t.Parallel()
	f := awsStart(t, nil)
	now := f.clock.Now()
	tests := []struct {
		name     string
		role     string
		session  string
		token    func() string
		duration int32
		want     string
	}{
		{name: "ok max duration", duration: 43200},
		{name: "wrong role", role: f.aws.PlainRoleARN(), want: "AccessDenied"},
		{name: "session too short", session: "a", want: "ValidationError"},
		{name: "session bad char", session: "alice smith", want: "ValidationError"},
		{name: "session too long", session: strings.Repeat("a", 65), want: "ValidationError"},
		{name: "token too short", token: func() string { return "abc" }, want: "ValidationError"},
		{name: "duration too short", duration: 899, want: "ValidationError"},
		{name: "duration too long", duration: 43201, want: "ValidationError"},
		{name: "garbage token", token: func() string { return "not.a.jwt" }, want: "InvalidIdentityToken"},
		{name: "forged signature", token: func() string {
			return awsForge(t, map[string]any{"iss": f.idp.Issuer(), "aud": "tip-cli-sandbox", "sub": "x", "exp": now.Add(time.Hour).Unix(), "iat": now.Unix()})
		}, want: "InvalidIdentityToken"},
		{name: "wrong audience", token: func() string { return f.mint(t, func(c map[string]any) { c["aud"] = "someone-else" }) }, want: "InvalidIdentityToken"},
		{name: "wrong issuer", token: func() string { return f.mint(t, func(c map[string]any) { c["iss"] = "https://evil.example.com" }) }, want: "InvalidIdentityToken"},
		{name: "expired", token: func() string {
			return f.mint(t, func(c map[string]any) { c["exp"] = now.Add(-time.Minute).Unix() })
		}, want: "ExpiredTokenException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String(f.aws.OIDCRoleARN()), RoleSessionName: aws.String("alice")}
			if tt.role != "" {
				in.RoleArn = aws.String(tt.role)
			}
			if tt.session != "" {
				in.RoleSessionName = aws.String(tt.session)
			}
			if tt.duration != 0 {
				in.DurationSeconds = aws.Int32(tt.duration)
			}
			if tt.token != nil {
				in.WebIdentityToken = aws.String(tt.token())
			} else {
				in.WebIdentityToken = aws.String(f.mint(t, nil))
			}
			out, err := f.sts(aws.Credentials{}).AssumeRoleWithWebIdentity(context.Background(), in)
			if got := awsCode(err); got != tt.want {
				t.Fatalf("error code = %q (%v), want %q", got, err, tt.want)
			}
			if tt.want == "" && out.Credentials.Expiration.Sub(now) != time.Duration(tt.duration)*time.Second {
				t.Errorf("expiration = %v", out.Credentials.Expiration)
			}
		})
	}
}

func TestSTSWebIdentityUnreachableIdP(t *testing.T) {
	t.Parallel()
	f := awsStart(t, nil)
	tok := f.mint(t, nil)
	a, err := NewAWS(AWSOptions{Now: f.clock.Now, IssuerURL: "http://127.0.0.1:1", Key: testkey.RSA(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	c := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(a.URL()), RetryMaxAttempts: 1})
	_, err = c.AssumeRoleWithWebIdentity(context.Background(), &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String(a.OIDCRoleARN()), RoleSessionName: aws.String("alice"), WebIdentityToken: aws.String(tok)})
	if awsCode(err) != "IDPCommunicationError" {
		t.Errorf("error = %v, want IDPCommunicationError", err)
	}
}

func TestSTSAssumeRoleRules(t *testing.T) {
	t.Parallel()
	f := awsStart(t, nil)
	ctx := context.Background()
	oidcCreds, enhanced := f.chain(t)
	ictx, _ := f.identityContext(t, oidcCreds)
	arns := func(n int) []ststypes.PolicyDescriptorType {
		out := make([]ststypes.PolicyDescriptorType, n)
		for i := range out {
			out[i].Arn = aws.String(fmt.Sprintf("arn:aws:iam::123456789012:policy/p%d", i))
		}
		return out
	}
	ctxOf := func(provider, assertion string) []ststypes.ProvidedContext {
		return []ststypes.ProvidedContext{{ProviderArn: aws.String(provider), ContextAssertion: aws.String(assertion)}}
	}
	bigPolicy := `{"Version":"2012-10-17","Statement":[],"Pad":"` + strings.Repeat("x", 1980) + `"}`
	tests := []struct {
		name   string
		caller aws.Credentials
		mutate func(in *sts.AssumeRoleInput)
		want   string
	}{
		{name: "ok with policies", mutate: func(in *sts.AssumeRoleInput) {
			in.Policy = aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)
			in.PolicyArns = arns(10)
			in.DurationSeconds = aws.Int32(3600)
		}},
		{name: "plain role", mutate: func(in *sts.AssumeRoleInput) {
			in.RoleArn = aws.String(f.aws.PlainRoleARN())
			in.ProvidedContexts = nil
		}},
		{name: "plain role with context", mutate: func(in *sts.AssumeRoleInput) { in.RoleArn = aws.String(f.aws.PlainRoleARN()) }, want: "AccessDenied"},
		{name: "wrong role", mutate: func(in *sts.AssumeRoleInput) { in.RoleArn = aws.String(f.aws.OIDCRoleARN()) }, want: "AccessDenied"},
		{name: "unknown role", mutate: func(in *sts.AssumeRoleInput) { in.RoleArn = aws.String("arn:aws:iam::123456789012:role/other") }, want: "AccessDenied"},
		{name: "missing context", mutate: func(in *sts.AssumeRoleInput) { in.ProvidedContexts = nil }, want: "AccessDenied"},
		{name: "forged context", mutate: func(in *sts.AssumeRoleInput) { in.ProvidedContexts = ctxOf(stsContextProvider, "AQoJforged") }, want: "AccessDenied"},
		{name: "wrong provider", mutate: func(in *sts.AssumeRoleInput) {
			in.ProvidedContexts = ctxOf("arn:aws:iam::aws:contextProvider/Other", ictx)
		}, want: "AccessDenied"},
		{name: "two contexts", mutate: func(in *sts.AssumeRoleInput) {
			in.ProvidedContexts = append(in.ProvidedContexts, in.ProvidedContexts[0])
		}, want: "AccessDenied"},
		{name: "six contexts", mutate: func(in *sts.AssumeRoleInput) {
			for range 5 {
				in.ProvidedContexts = append(in.ProvidedContexts, in.ProvidedContexts[0])
			}
		}, want: "ValidationError"},
		{name: "caller not oidc role", caller: enhanced, want: "AccessDenied"},
		{name: "session name invalid", mutate: func(in *sts.AssumeRoleInput) { in.RoleSessionName = aws.String("tip/alice") }, want: "ValidationError"},
		{name: "duration over chain cap", mutate: func(in *sts.AssumeRoleInput) { in.DurationSeconds = aws.Int32(3601) }, want: "ValidationError"},
		{name: "duration too short", mutate: func(in *sts.AssumeRoleInput) { in.DurationSeconds = aws.Int32(899) }, want: "ValidationError"},
		{name: "malformed policy", mutate: func(in *sts.AssumeRoleInput) { in.Policy = aws.String(`{"Version":`) }, want: "MalformedPolicyDocument"},
		{name: "policy not an object", mutate: func(in *sts.AssumeRoleInput) { in.Policy = aws.String(`["a"]`) }, want: "MalformedPolicyDocument"},
		{name: "eleven policy arns", mutate: func(in *sts.AssumeRoleInput) { in.PolicyArns = arns(11) }, want: "ValidationError"},
		{name: "policy arn not an arn", mutate: func(in *sts.AssumeRoleInput) {
			in.PolicyArns = []ststypes.PolicyDescriptorType{{Arn: aws.String("arn:aws:s3:::bucket/policy/x")}}
		}, want: "ValidationError"},
		{name: "packed too large", mutate: func(in *sts.AssumeRoleInput) { in.Policy = aws.String(bigPolicy); in.PolicyArns = arns(2) }, want: "PackedPolicyTooLarge"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := f.assumeInput(ictx)
			if tt.mutate != nil {
				tt.mutate(in)
			}
			caller := oidcCreds
			if tt.caller.AccessKeyID != "" {
				caller = tt.caller
			}
			_, err := f.sts(caller).AssumeRole(ctx, in)
			if got := awsCode(err); got != tt.want {
				t.Fatalf("error code = %q (%v), want %q", got, err, tt.want)
			}
		})
	}
	recs := f.aws.Requests("AssumeRole")
	var ok *Recorded
	for i := range recs {
		if recs[i].Params.Get("PolicyArns.member.10.arn") != "" && recs[i].Params.Get("DurationSeconds") == "3600" {
			ok = &recs[i]
		}
	}
	if ok == nil || !strings.Contains(ok.Params.Get("Policy"), `"s3:*"`) || ok.Caller == nil || ok.Caller.Kind != "oidc-role" {
		t.Errorf("policies were not recorded: %+v", ok)
	}
}

func TestSTSExpiredContextAndPlainRoleKind(t *testing.T) {
	t.Parallel()
	f := awsStart(t, nil)
	ctx := context.Background()
	out, err := f.sts(aws.Credentials{}).AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String(f.aws.OIDCRoleARN()), RoleSessionName: aws.String("alice"),
		WebIdentityToken: aws.String(f.mint(t, nil)), DurationSeconds: aws.Int32(43200)})
	if err != nil {
		t.Fatal(err)
	}
	oidcCreds := awsFromSTS(out.Credentials)
	ictx, _ := f.identityContext(t, oidcCreds)
	f.clock.Advance(3601 * time.Second)
	if _, err := f.sts(oidcCreds).AssumeRole(ctx, f.assumeInput(ictx)); awsCode(err) != "AccessDenied" {
		t.Errorf("expired context: %v, want AccessDenied", err)
	}
	plain, err := f.sts(oidcCreds).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(f.aws.PlainRoleARN()), RoleSessionName: aws.String("console")})
	if err != nil {
		t.Fatal(err)
	}
	who, err := f.sts(awsFromSTS(plain.Credentials)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(who.Arn); got != "arn:aws:sts::123456789012:assumed-role/tip-sandbox-console/console" {
		t.Errorf("plain role arn = %s", got)
	}
	if c := f.aws.Requests("GetCallerIdentity")[0].Caller; c == nil || c.Kind != "plain-role" {
		t.Errorf("caller = %+v", c)
	}
}
