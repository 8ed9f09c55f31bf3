package callerauth

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// noNetwork fails every request: the fuzz target exercises local checks only.
type noNetwork struct{}

func (noNetwork) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("network disabled in fuzzing")
}

func FuzzAuthenticate(f *testing.F) {
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	c := aws.Credentials{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "secret", SessionToken: "token"}
	good, err := PresignCallerIdentity(context.Background(), static(c), "https://sts.amazonaws.com", "us-east-1", "broker-1", testBind, at)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(AuthScheme + " ")
	f.Add(AuthScheme + " aHR0cHM6Ly9zdHMuYW1hem9uYXdzLmNvbS8_QWN0aW9uPUdldENhbGxlcklkZW50aXR5")
	f.Add(strings.Replace(good, AuthScheme, "tip-broker-sts", 1) + "==")
	f.Add("Bearer x")
	f.Fuzz(func(t *testing.T, authorization string) {
		v, err := NewVerifier(VerifierOptions{
			BrokerID:     "broker-1",
			STSEndpoints: DefaultSTSEndpoints("us-east-1"),
			HTTPClient:   &http.Client{Transport: noNetwork{}},
			Now:          func() time.Time { return at },
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = v.Authenticate(context.Background(), authorization, testBind)
		if err == nil || !(errors.Is(err, ErrUnauthenticated) || errors.Is(err, ErrUpstream)) {
			t.Fatalf("Authenticate(%q) = %v, want ErrUnauthenticated or ErrUpstream", authorization, err)
		}
		if errors.Is(err, ErrUpstream) {
			// STS never verified it, so it is not remembered: the
			// second use reaches the (unreachable) network again.
			if _, err := v.Authenticate(context.Background(), authorization, testBind); !errors.Is(err, ErrUpstream) {
				t.Fatalf("second use of %q = %v, want ErrUpstream again", authorization, err)
			}
		}
	})
}
