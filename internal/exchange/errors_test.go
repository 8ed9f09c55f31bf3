package exchange

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ssooidctypes "github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
)

func TestStepErrorReadsOAuthDescription(t *testing.T) {
	err := newStepError(StepCreateToken, "arn:app", &ssooidctypes.InvalidGrantException{
		Error_: aws.String("invalid_grant"), Error_description: aws.String("assertion already used"),
	})
	if err.Code != "InvalidGrantException" || err.Message != "assertion already used" {
		t.Fatalf("code %q message %q", err.Code, err.Message)
	}
	if !strings.Contains(err.Error(), "run `tip-cli diag`") {
		t.Errorf("no hint: %v", err)
	}
}

func TestSessionName(t *testing.T) {
	for in, want := range map[string]string{
		"94482488-3041-7026-18f3-b2c0e1a1a11c": "tip-94482488-3041-7026-18f3-b2c0e1a1a11c",
		"user/with spaces:and:colons":          "tip-user-with-spaces-and-colons",
		"ü":                                    "tip--",
		strings.Repeat("a", 100):               "tip-" + strings.Repeat("a", 60),
	} {
		if got := sessionName(in); got != want {
			t.Errorf("SessionName(%q) = %q, want %q", in, got, want)
		}
	}
}
