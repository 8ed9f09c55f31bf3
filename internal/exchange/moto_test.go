package exchange_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/exchange"
)

// motoURLEnv names the moto_server base URL (http://127.0.0.1:PORT) that
// enables TestMotoChain; without it the test is skipped. `.ci/run` starts
// moto_server and sets it.
const motoURLEnv = "TIP_CLI_TEST_MOTO_URL"

// TestMotoChain runs the two STS steps of the chain against moto, an
// independent STS emulation with the real awsQuery wire protocol: the web
// identity step unsigned, then the identity-enhanced AssumeRole with
// ProvidedContexts and a session policy, signed by the OIDC role session.
// moto does not verify the web identity token, the signature or the context.
func TestMotoChain(t *testing.T) {
	url := os.Getenv(motoURLEnv)
	if url == "" {
		t.Skipf("set %s=http://127.0.0.1:PORT (a running moto_server) to run", motoURLEnv)
	}
	const (
		account = "123456789012"
		userID  = "94482488-3041-7026-18f3-b2c0e1a1a11c"
		policy  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg := aws.Config{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(url),
		Credentials:      aws.AnonymousCredentials{},
		RetryMaxAttempts: 1,
	}
	ic := exchange.IdentityCenterPath().Steps
	if len(ic) != 3 {
		t.Fatalf("identity-center path has %d steps, want 3", len(ic))
	}
	// moto has no SSO OIDC: the middle step is replaced by one that hands
	// the last step a known identity, which the path definition allows.
	var oidcCreds aws.Credentials
	identity := exchange.Step{
		Name:     "test identity",
		Resource: func(*exchange.Chain) string { return "" },
		Run: func(_ context.Context, _ *exchange.Chain, s *exchange.State) (string, error) {
			oidcCreds = s.First
			s.Identity = &exchange.Identity{UserID: userID, Context: "ctx-assertion-from-test"}
			return userID, nil
		},
	}
	chain := exchange.Chain{
		AWS:               cfg,
		Path:              exchange.Path{Mode: "moto", Steps: []exchange.Step{ic[0], identity, ic[2]}},
		OIDCRoleARN:       "arn:aws:iam::" + account + ":role/tip-oidc",
		IDEnhancedRoleARN: "arn:aws:iam::" + account + ":role/tip-id-enhanced",
		ChainID:           "chain-under-test",
	}
	creds, err := chain.Exchange(ctx, testJWT(t), exchange.Scope{Policy: policy})
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	if oidcCreds.AccessKeyID == "" || oidcCreds.SecretAccessKey == "" || oidcCreds.SessionToken == "" {
		t.Fatalf("the OIDC role step left incomplete credentials (key id %q)", oidcCreds.AccessKeyID)
	}
	if !oidcCreds.Expires.After(time.Now()) {
		t.Errorf("OIDC role credentials expire at %v, want in the future", oidcCreds.Expires)
	}
	if arn := callerARN(ctx, t, cfg, oidcCreds); arn != "arn:aws:sts::"+account+":assumed-role/tip-oidc/tip-cli" {
		t.Errorf("OIDC role caller ARN = %q, want session tip-cli in role tip-oidc", arn)
	}
	if creds.Chain != "chain-under-test" {
		t.Errorf("Chain = %q, want the chain id stamped on the session", creds.Chain)
	}
	wantARN := "arn:aws:sts::" + account + ":assumed-role/tip-id-enhanced/tip-" + userID
	checks := []struct {
		name, got, want string
	}{
		{"AssumedRoleARN", creds.AssumedRoleARN, wantARN},
		{"AccountID", creds.AccountID, account},
		{"Identity", creds.Identity, userID},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if creds.AccessKeyID == "" || creds.SecretAccessKey == "" || creds.SessionToken == "" {
		t.Fatalf("the identity-enhanced step returned incomplete credentials (key id %q)", creds.AccessKeyID)
	}
	if creds.AccessKeyID == oidcCreds.AccessKeyID {
		t.Errorf("identity-enhanced credentials reuse the OIDC role key id %s", creds.AccessKeyID)
	}
	if !creds.Expiration.After(time.Now()) {
		t.Errorf("identity-enhanced credentials expire at %v, want in the future", creds.Expiration)
	}
	enhanced := aws.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, SessionToken: creds.SessionToken}
	if arn := callerARN(ctx, t, cfg, enhanced); arn != wantARN {
		t.Errorf("GetCallerIdentity with identity-enhanced credentials = %q, want %q", arn, wantARN)
	}
}

// TestMotoFederationWithoutContext: moto, a peer we did not write, answers
// AssumeRoleWithWebIdentity as STS does for a provider without a context
// provider (no TrustedIdentityPropagationContext). The federation path must
// refuse that session rather than hand out one that does not carry the person.
func TestMotoFederationWithoutContext(t *testing.T) {
	url := os.Getenv(motoURLEnv)
	if url == "" {
		t.Skipf("set %s=http://127.0.0.1:PORT (a running moto_server) to run", motoURLEnv)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	chain := exchange.Chain{
		AWS:      aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: aws.AnonymousCredentials{}, RetryMaxAttempts: 1},
		Path:     exchange.PathFor(config.TIPModeIAMFederation),
		RoleARN:  "arn:aws:iam::123456789012:role/tip-federated",
		Issuer:   "https://idp.example.com",
		Duration: 12 * time.Hour,
	}
	creds, err := chain.Exchange(ctx, testJWT(t), exchange.Scope{})
	var nc *exchange.NoContextError
	if !errors.As(err, &nc) || creds != nil {
		t.Fatalf("Exchange = %v, %v; want a NoContextError and no credentials", creds, err)
	}
	if !strings.Contains(err.Error(), "arn:aws:iam::123456789012:oidc-provider/idp.example.com") {
		t.Errorf("error %q does not name the provider to fix", err)
	}
}

// callerARN asks moto who the credentials belong to.
func callerARN(ctx context.Context, t *testing.T, cfg aws.Config, creds aws.Credentials) string {
	t.Helper()
	client := sts.NewFromConfig(cfg, func(o *sts.Options) {
		o.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return creds, nil })
	})
	out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	return aws.ToString(out.Arn)
}

// testJWT returns a well-formed, unsigned-looking JWT; moto parses nothing
// of it but the wire format still carries a realistic token.
func testJWT(t *testing.T) string {
	t.Helper()
	enc := func(v any) string {
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("encode JWT part: %v", err)
		}
		return base64.RawURLEncoding.EncodeToString(data)
	}
	now := time.Now().Unix()
	header := enc(map[string]string{"alg": "RS256", "typ": "JWT", "kid": "moto-test"})
	claims := enc(map[string]any{
		"iss": "https://idp.example.com", "aud": "tip-cli-test", "sub": "alice",
		"email": "alice@example.com", "iat": now, "exp": now + 3600,
	})
	sig := base64.RawURLEncoding.EncodeToString([]byte(strings.Repeat("s", 64)))
	return header + "." + claims + "." + sig
}
