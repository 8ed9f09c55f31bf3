package brokeremu

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"github.com/tip-cli/tip-cli/internal/sandbox/awsemu"
	"github.com/tip-cli/tip-cli/internal/sandbox/idpemu"
	"github.com/tip-cli/tip-cli/internal/testclock"
	"github.com/tip-cli/tip-cli/internal/testkey"
)

// stsContextProvider is the Identity Center context provider ARN.
const stsContextProvider = "arn:aws:iam::aws:contextProvider/IdentityCenter"

// awsFixture is an IdP plus the broker-side AWS emulator trusting it.
type awsFixture struct {
	clock *testclock.Clock
	idp   *idpemu.IdP
	aws   *AWS
}

// awsStart starts an IdP and an emulator (options adjusted by mutate).
func awsStart(t *testing.T, mutate func(*awsemu.AWSOptions)) *awsFixture {
	t.Helper()
	key := testkey.RSA(t)
	clock := testclock.New(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	idp, err := idpemu.NewIdP(idpemu.IdPOptions{Now: clock.Now, Key: key})
	if err != nil {
		t.Fatalf("NewIdP: %v", err)
	}
	t.Cleanup(idp.Close)
	opts := awsemu.AWSOptions{Now: clock.Now, IssuerURL: idp.Issuer(), Key: key}
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

// awsCode returns the AWS error code of err ("" when none).
func awsCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// webIdentity runs AssumeRoleWithWebIdentity into the OIDC role.
func (f *awsFixture) webIdentity(t *testing.T) aws.Credentials {
	t.Helper()
	tok, err := f.idp.MintIDToken("alice@example.com", nil)
	if err != nil {
		t.Fatalf("MintIDToken: %v", err)
	}
	out, err := f.sts(aws.Credentials{}).AssumeRoleWithWebIdentity(context.Background(), &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String(f.aws.OIDCRoleARN()), RoleSessionName: aws.String("alice"),
		WebIdentityToken: aws.String(tok), DurationSeconds: aws.Int32(900),
	})
	if err != nil {
		t.Fatalf("AssumeRoleWithWebIdentity: %v", err)
	}
	return awsFromSTS(out.Credentials)
}
