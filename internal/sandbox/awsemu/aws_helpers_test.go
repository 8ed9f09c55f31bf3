package awsemu

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
	smithyendpoints "github.com/aws/smithy-go/endpoints"

	"github.com/tip-cli/tip-cli/internal/sandbox/idpemu"
	"github.com/tip-cli/tip-cli/internal/testclock"
	"github.com/tip-cli/tip-cli/internal/testkey"
)

// awsTestClock is the shared settable test clock.
type awsTestClock = testclock.Clock

// awsFixture is an IdP plus the AWS emulator trusting it.
type awsFixture struct {
	clock *awsTestClock
	idp   *idpemu.IdP
	aws   *AWS
}

// awsStart starts an IdP and an emulator (options adjusted by mutate).
func awsStart(t *testing.T, mutate func(*AWSOptions)) *awsFixture {
	t.Helper()
	clock := testclock.New(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	idp, err := idpemu.NewIdP(idpemu.IdPOptions{Now: clock.Now, Key: testkey.RSA(t)})
	if err != nil {
		t.Fatalf("NewIdP: %v", err)
	}
	t.Cleanup(idp.Close)
	opts := AWSOptions{Now: clock.Now, IssuerURL: idp.Issuer(), Key: testkey.RSA(t)}
	if mutate != nil {
		mutate(&opts)
	}
	a, err := NewAWS(opts)
	if err != nil {
		t.Fatalf("NewAWS: %v", err)
	}
	t.Cleanup(a.Close)
	return &awsFixture{clock: clock, idp: idp, aws: a}
}

func awsProvider(c aws.Credentials) aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
}

func awsFromSTS(c *ststypes.Credentials) aws.Credentials {
	return aws.Credentials{AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey), SessionToken: aws.ToString(c.SessionToken)}
}

func (f *awsFixture) sts(c aws.Credentials) *sts.Client {
	return sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(f.aws.URL()), Credentials: awsProvider(c), RetryMaxAttempts: 1})
}

func (f *awsFixture) oidc(c aws.Credentials) *ssooidc.Client {
	return ssooidc.New(ssooidc.Options{Region: "us-east-1", BaseEndpoint: aws.String(f.aws.URL()), Credentials: awsProvider(c), RetryMaxAttempts: 1})
}

// awsFixedEndpoint returns the configured endpoint unchanged (S3 Control
// would otherwise prefix the account id to the host).
type awsFixedEndpoint struct{ raw string }

func (e awsFixedEndpoint) ResolveEndpoint(_ context.Context, _ s3control.EndpointParameters) (smithyendpoints.Endpoint, error) {
	u, err := url.Parse(e.raw)
	if err != nil {
		return smithyendpoints.Endpoint{}, err
	}
	return smithyendpoints.Endpoint{URI: *u}, nil
}

func (f *awsFixture) s3c(c aws.Credentials) *s3control.Client {
	return s3control.New(s3control.Options{Region: "us-east-1", Credentials: awsProvider(c), RetryMaxAttempts: 1,
		EndpointResolverV2: awsFixedEndpoint{raw: f.aws.URL()}})
}

// awsCode returns the AWS error code of err ("" when none).
func awsCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// errMessage returns the AWS error message of err ("" when none).
func errMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return ""
}

// mint returns a fresh IdP ID token for alice.
func (f *awsFixture) mint(t *testing.T, mutate func(map[string]any)) string {
	t.Helper()
	tok, err := f.idp.MintIDToken("alice@example.com", mutate)
	if err != nil {
		t.Fatalf("MintIDToken: %v", err)
	}
	return tok
}

// webIdentity runs AssumeRoleWithWebIdentity into the OIDC role.
func (f *awsFixture) webIdentity(t *testing.T) aws.Credentials {
	t.Helper()
	out, err := f.sts(aws.Credentials{}).AssumeRoleWithWebIdentity(context.Background(), &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String(f.aws.OIDCRoleARN()), RoleSessionName: aws.String("alice"),
		WebIdentityToken: aws.String(f.mint(t, nil)), DurationSeconds: aws.Int32(900),
	})
	if err != nil {
		t.Fatalf("AssumeRoleWithWebIdentity: %v", err)
	}
	return awsFromSTS(out.Credentials)
}

// identityContext runs CreateTokenWithIAM and returns the identity context.
func (f *awsFixture) identityContext(t *testing.T, oidcCreds aws.Credentials) (string, *ssooidc.CreateTokenWithIAMOutput) {
	t.Helper()
	out, err := f.oidc(oidcCreds).CreateTokenWithIAM(context.Background(), &ssooidc.CreateTokenWithIAMInput{
		ClientId: aws.String(f.aws.ApplicationARN()), GrantType: aws.String(oidcsvcJWTBearer), Assertion: aws.String(f.mint(t, nil)),
	})
	if err != nil {
		t.Fatalf("CreateTokenWithIAM: %v", err)
	}
	return aws.ToString(out.AwsAdditionalDetails.IdentityContext), out
}

// assumeInput is an AssumeRole input into the identity-enhanced role.
func (f *awsFixture) assumeInput(ictx string) *sts.AssumeRoleInput {
	return &sts.AssumeRoleInput{
		RoleArn: aws.String(f.aws.IDEnhancedRoleARN()), RoleSessionName: aws.String("tip-alice"),
		ProvidedContexts: []ststypes.ProvidedContext{{ProviderArn: aws.String(stsContextProvider), ContextAssertion: aws.String(ictx)}},
	}
}

// chain returns the OIDC role and identity-enhanced credentials.
func (f *awsFixture) chain(t *testing.T) (oidcCreds, enhanced aws.Credentials) {
	t.Helper()
	oidcCreds = f.webIdentity(t)
	ictx, _ := f.identityContext(t, oidcCreds)
	out, err := f.sts(oidcCreds).AssumeRole(context.Background(), f.assumeInput(ictx))
	if err != nil {
		t.Fatalf("AssumeRole: %v", err)
	}
	return oidcCreds, awsFromSTS(out.Credentials)
}
