package awsemu

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	idstypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
)

// TestIdentityStoreAgainstMoto runs the GetUserId / DescribeUser calls diag
// makes against moto's IdentityStore (moto_server, an independent
// emulation) and against the sandbox, and compares what diag relies on.
// Set TIP_CLI_TEST_MOTO_URL=http://127.0.0.1:PORT (moto_server -p PORT).
func TestIdentityStoreAgainstMoto(t *testing.T) {
	t.Parallel()
	motoURL := os.Getenv("TIP_CLI_TEST_MOTO_URL")
	if motoURL == "" {
		t.Skip("TIP_CLI_TEST_MOTO_URL not set (moto_server -H 127.0.0.1 -p PORT)")
	}
	ctx := context.Background()
	moto := identitystore.NewFromConfig(aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIAMOTO", "secret", ""),
		BaseEndpoint:     aws.String(motoURL),
		RetryMaxAttempts: 1,
	})
	const store = "d-1234567890"
	email := "diag-" + strings.ToLower(awsRandom(awsAlnumLower, 8)) + "@example.com"
	created, err := moto.CreateUser(ctx, &identitystore.CreateUserInput{
		IdentityStoreId: aws.String(store),
		UserName:        aws.String(email),
		DisplayName:     aws.String("Diag Test"),
		Name:            &idstypes.Name{GivenName: aws.String("Diag"), FamilyName: aws.String("Test")},
		Emails:          []idstypes.Email{{Value: aws.String(email), Type: aws.String("work"), Primary: true}},
	})
	if err != nil {
		t.Fatalf("moto CreateUser: %v", err)
	}

	f := ssoaStart(t, IdentityCenterConfig{Users: []IdentityStoreUser{{ID: "u-diag", UserName: email, Email: email}}})
	peers := []struct {
		name   string
		client *identitystore.Client
		store  string
		userID string
	}{
		{"moto", moto, store, aws.ToString(created.UserId)},
		{"sandbox", f.ids, f.aws.IdentityStoreID(), "u-diag"},
	}
	for _, p := range peers {
		t.Run(p.name, func(t *testing.T) {
			got, err := p.client.GetUserId(ctx, idsGetUserIDInput(p.store, "emails.value", email))
			if err != nil || aws.ToString(got.UserId) != p.userID {
				t.Fatalf("GetUserId = %+v, %v", got, err)
			}
			u, err := p.client.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: aws.String(p.store), UserId: got.UserId})
			if err != nil {
				t.Fatalf("DescribeUser: %v", err)
			}
			if len(u.ExternalIds) != 0 || aws.ToString(u.UserName) != email || len(u.Emails) != 1 || aws.ToString(u.Emails[0].Value) != email {
				t.Errorf("DescribeUser = %+v", u)
			}
			_, err = p.client.GetUserId(ctx, idsGetUserIDInput(p.store, "emails.value", "nobody-"+email))
			if code := ssoaCode(err); code != "ResourceNotFoundException" {
				t.Errorf("missing user: %v (code %q)", err, code)
			}
		})
	}
}
