package callerauth

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/tip-cli/tip-cli/internal/sandbox/awsemu"
	"github.com/tip-cli/tip-cli/internal/sandbox/brokeremu"
	"github.com/tip-cli/tip-cli/internal/testclock"
	"github.com/tip-cli/tip-cli/internal/testkey"
)

// testClock is the shared settable test clock.
type testClock = testclock.Clock

// countingTransport counts the requests that leave the verifier.
type countingTransport struct {
	n    atomic.Int64
	next http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

// fixture is a sandbox AWS, a clock and a caller role session.
type fixture struct {
	clock *testClock
	aws   *brokeremu.AWS
	creds aws.Credentials
	wire  *countingTransport
}

const (
	testAccount = "123456789012"
	brokerA     = "broker-a"
	brokerB     = "broker-b"
)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	clock := testclock.New(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	a, err := brokeremu.NewAWS(awsemu.AWSOptions{Now: clock.Now, AccountID: testAccount, Key: testkey.RSA(t)})
	if err != nil {
		t.Fatalf("NewAWS: %v", err)
	}
	t.Cleanup(a.Close)
	return &fixture{
		clock: clock,
		aws:   a,
		creds: a.RoleCredentials("App", "app-session", time.Hour),
		wire:  &countingTransport{next: http.DefaultTransport},
	}
}

// verifier returns a verifier for broker id that allows the sandbox STS.
func (f *fixture) verifier(t *testing.T, broker string, mutate func(*VerifierOptions)) *Verifier {
	t.Helper()
	o := VerifierOptions{
		BrokerID:     broker,
		STSEndpoints: []string{f.aws.URL()},
		HTTPClient:   &http.Client{Transport: f.wire, Timeout: 5 * time.Second},
		Now:          f.clock.Now,
	}
	if mutate != nil {
		mutate(&o)
	}
	v, err := NewVerifier(o)
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	return v
}

// presign returns the Authorization value PresignCallerIdentity builds.
func (f *fixture) presign(t *testing.T, broker string, at time.Time) string {
	t.Helper()
	h, err := PresignCallerIdentity(context.Background(), static(f.creds), f.aws.URL(), "us-east-1", broker, testBind, at)
	if err != nil {
		t.Fatalf("PresignCallerIdentity: %v", err)
	}
	return h
}

// presignRaw presigns GET endpoint/?query with the given headers (no
// checks), for requests PresignCallerIdentity refuses to build.
func presignRaw(t *testing.T, c aws.Credentials, endpoint, query string, header map[string]string, at time.Time) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, endpoint+"/?"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	testBind.set(req.Header)
	for k, v := range header {
		if v == "" {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, v)
	}
	signed, _, err := v4.NewSigner().PresignHTTP(context.Background(), c, req, emptySHA256, "sts", "us-east-1", at)
	if err != nil {
		t.Fatalf("PresignHTTP: %v", err)
	}
	nonce := header[headerNonce]
	if nonce == "" {
		nonce = testNonce
	}
	return encodeURL(signed, nonce)
}

// testBind is the broker request the tests' presigned requests authorise.
var testBind = Binding{Method: "GET", Path: "/applications"}

// testNonce is a well-formed nonce for hand-built requests.
const testNonce = "0123456789abcdef0123456789abcdef"

// encodeURL wraps a presigned URL and its nonce in the Authorization scheme.
func encodeURL(u, nonce string) string {
	return AuthScheme + " " + base64.RawURLEncoding.EncodeToString([]byte(u)) + "." + nonce
}

// splitHeader returns the base64url part and the nonce of an Authorization value.
func splitHeader(h string) (string, string) {
	enc, nonce, _ := strings.Cut(strings.TrimPrefix(h, AuthScheme+" "), ".")
	return enc, nonce
}

// decodeHeader returns the presigned URL of an Authorization value.
func decodeHeader(t *testing.T, h string) *url.URL {
	t.Helper()
	enc, _ := splitHeader(h)
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// tamper changes the query of a presigned Authorization value.
func tamper(t *testing.T, h string, mutate func(url.Values)) string {
	t.Helper()
	u := decodeHeader(t, h)
	q := u.Query()
	mutate(q)
	u.RawQuery = q.Encode()
	_, nonce := splitHeader(h)
	return encodeURL(u.String(), nonce)
}

func static(c aws.Credentials) aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
}
