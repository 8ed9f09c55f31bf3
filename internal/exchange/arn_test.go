package exchange_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/exchange"
)

// stsWebIdentityAnswer is an AssumeRoleWithWebIdentity response carrying
// the person (the shape of the sts module's response snapshot) for the
// assumed-role ARN arn.
func stsWebIdentityAnswer(arn string) string {
	return `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<AssumeRoleWithWebIdentityResult>
<Credentials><AccessKeyId>ASIAEXAMPLE</AccessKeyId><SecretAccessKey>secret</SecretAccessKey><SessionToken>token</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>
<AssumedRoleUser><AssumedRoleId>AROAEXAMPLE:tip-cli</AssumedRoleId><Arn>` + arn + `</Arn></AssumedRoleUser>
<TrustedIdentityPropagationContext><OriginIdentity><FederatedProviderArn>arn:aws:iam::123456789012:oidc-provider/idp.example.com</FederatedProviderArn><Issuer>https://idp.example.com</Issuer><Subject>alice</Subject><SubjectType>user</SubjectType></OriginIdentity></TrustedIdentityPropagationContext>
</AssumeRoleWithWebIdentityResult>
<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>`
}

// TestSessionAccountFromARN: the session's account comes from STS's
// assumed-role ARN through the validated parser; an answer whose ARN is
// not one fails the exchange instead of minting a session without an
// account (which S3 Access Grants would be asked about).
func TestSessionAccountFromARN(t *testing.T) {
	for _, tt := range []struct {
		arn, account, err string
	}{
		{"arn:aws:sts::210987654321:assumed-role/tip-role/tip-cli", "210987654321", ""},
		{"arn:aws:sts::2109876543:assumed-role/tip-role/tip-cli", "", "invalid assumed-role ARN"},
		{"arn:aws:iam::210987654321:role/tip-role", "", "invalid assumed-role ARN"},
		{"not-an-arn", "", "invalid assumed-role ARN"},
	} {
		t.Run(tt.arn, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if err := r.ParseForm(); err != nil || r.Form.Get("Action") != "AssumeRoleWithWebIdentity" {
					http.Error(w, "unexpected request", http.StatusBadRequest)
					return
				}
				w.Header().Set("Content-Type", "text/xml")
				fmt.Fprint(w, stsWebIdentityAnswer(tt.arn))
			}))
			defer srv.Close()
			chain := &exchange.Chain{
				AWS: aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
					Credentials: aws.AnonymousCredentials{}, RetryMaxAttempts: 1, HTTPClient: srv.Client()},
				Path:    exchange.PathFor(config.TIPModeIAMFederation),
				RoleARN: "arn:aws:iam::210987654321:role/tip-role",
				Issuer:  "https://idp.example.com",
				Now:     func() time.Time { return time.Date(2029, 1, 1, 0, 0, 0, 0, time.UTC) },
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			creds, err := chain.Exchange(ctx, "header.payload.signature", exchange.Scope{})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), chain.RoleARN) {
					t.Fatalf("Exchange = %+v, %v; want an error naming the role and %q", creds, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			if creds.AccountID != tt.account || creds.AssumedRoleARN != tt.arn {
				t.Errorf("session account %q, ARN %q; want %q, %q", creds.AccountID, creds.AssumedRoleARN, tt.account, tt.arn)
			}
		})
	}
}
