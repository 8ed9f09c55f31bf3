package callerauth

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tip-cli/tip-cli/internal/sandbox/awsemu"
)

func TestPresignCallerIdentityShape(t *testing.T) {
	c := aws.Credentials{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "secret", SessionToken: "tok/en+="}
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	h, err := PresignCallerIdentity(context.Background(), static(c), "https://STS.eu-west-1.amazonaws.com/", "eu-west-1", "broker-1", testBind, at)
	if err != nil {
		t.Fatal(err)
	}
	u := decodeHeader(t, h)
	q := u.Query()
	want := map[string]string{
		"Action": "GetCallerIdentity", "Version": "2011-06-15", "X-Amz-Expires": "60",
		"X-Amz-Algorithm": "AWS4-HMAC-SHA256", "X-Amz-Date": "20300102T030405Z",
		"X-Amz-Credential":    "ASIAEXAMPLE/20300102/eu-west-1/sts/aws4_request",
		"X-Amz-SignedHeaders": "host;x-tip-broker-body-sha256;x-tip-broker-id;x-tip-broker-method;x-tip-broker-nonce;x-tip-broker-path;x-tip-broker-query-sha256", "X-Amz-Security-Token": "tok/en+=",
	}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	if u.Scheme+"://"+u.Host+u.Path != "https://sts.eu-west-1.amazonaws.com/" || len(q.Get("X-Amz-Signature")) != 64 {
		t.Errorf("presigned url = %s", u.Redacted())
	}
	v, err := NewVerifier(VerifierOptions{BrokerID: "broker-1", STSEndpoints: DefaultSTSEndpoints("eu-west-1"), Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.check(h, at); err != nil {
		t.Fatalf("own presigned request fails the local checks: %v", err)
	}
}

func TestPresignCallerIdentityRefuses(t *testing.T) {
	c := static(aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "s"})
	failing := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{}, errors.New("no creds")
	})
	tests := []struct {
		name                     string
		creds                    aws.CredentialsProvider
		endpoint, region, broker string
	}{
		{name: "no broker id", creds: c, endpoint: "https://sts.amazonaws.com", region: "us-east-1"},
		{name: "no region", creds: c, endpoint: "https://sts.amazonaws.com", broker: "b"},
		{name: "endpoint with query", creds: c, endpoint: "https://sts.amazonaws.com/?a=b", region: "us-east-1", broker: "b"},
		{name: "endpoint relative", creds: c, endpoint: "sts.amazonaws.com", region: "us-east-1", broker: "b"},
		{name: "no credentials", endpoint: "https://sts.amazonaws.com", region: "us-east-1", broker: "b"},
		{name: "credentials fail", creds: failing, endpoint: "https://sts.amazonaws.com", region: "us-east-1", broker: "b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if h, err := PresignCallerIdentity(context.Background(), tt.creds, tt.endpoint, tt.region, tt.broker, testBind, time.Now()); err == nil {
				t.Fatalf("PresignCallerIdentity = %q, want an error", h)
			}
		})
	}
}

// TestSignAPIGateway checks the signature with the sandbox's SigV4
// verifier (an awsJson target accepts the execute-api signing name).
func TestSignAPIGateway(t *testing.T) {
	f := newFixture(t)
	f.aws.HandleTarget("TipBroker.Echo", func(w http.ResponseWriter, _ *http.Request, caller *awsemu.Principal, _ []byte) {
		_, _ = io.WriteString(w, caller.AssumedRoleARN)
	})
	tests := []struct {
		name   string
		body   []byte
		sent   []byte // what actually goes on the wire (nil: body)
		status int
	}{
		{name: "json body", body: []byte(`{"AccessRoleName":"R"}`), status: 200},
		{name: "empty body", body: []byte(`{}`), status: 200},
		{name: "body changed after signing", body: []byte(`{"a":1}`), sent: []byte(`{"a":2}`), status: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sent := tt.sent
			if sent == nil {
				sent = tt.body
			}
			req, err := http.NewRequest(http.MethodPost, f.aws.URL()+"/", bytes.NewReader(sent))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("X-Amz-Target", "TipBroker.Echo")
			if err := SignAPIGateway(context.Background(), req, tt.body, static(f.creds), "us-east-1", f.clock.Now()); err != nil {
				t.Fatalf("SignAPIGateway: %v", err)
			}
			if !strings.Contains(req.Header.Get("Authorization"), "/us-east-1/execute-api/aws4_request") {
				t.Fatalf("Authorization = %q", req.Header.Get("Authorization"))
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			got, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d (%s), want %d", resp.StatusCode, got, tt.status)
			}
			if tt.status == 200 && string(got) != "arn:aws:sts::123456789012:assumed-role/App/app-session" {
				t.Fatalf("caller = %q", got)
			}
		})
	}
}
