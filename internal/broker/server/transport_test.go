package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/tip-cli/tip-cli/internal/broker/callerauth"
	"github.com/tip-cli/tip-cli/internal/broker/registry/registrytest"
	"github.com/tip-cli/tip-cli/internal/broker/server"
)

// TestHTTPCallerAuth drives the standalone transport with real presigned
// GetCallerIdentity requests verified by the sandbox's STS.
func TestHTTPCallerAuth(t *testing.T) {
	f := newFixture(t, registrytest.NewMemory())
	clock := time.Now()
	auth, err := callerauth.NewVerifier(callerauth.VerifierOptions{BrokerID: "broker.test",
		STSEndpoints: []string{f.sc.AWS.URL()}, Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(&server.HTTPHandler{Service: f.svc, Auth: auth})
	defer srv.Close()
	creds := f.sc.AppCredentials(time.Hour)
	provider := credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken)
	presign := func(at time.Time) string {
		h, err := callerauth.PresignCallerIdentity(context.Background(), provider, f.sc.AWS.URL(), f.sc.AWS.Region(), "broker.test",
			callerauth.Binding{Method: "GET", Path: "/applications"}, at)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	get := func(authorization string) (int, string, http.Header) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/applications", nil)
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), resp.Header
	}
	fresh := presign(clock)
	if status, body, h := get(fresh); status != 404 || h.Get("Cache-Control") != "no-store" || h.Get("X-Request-Id") == "" {
		t.Fatalf("authenticated, unregistered caller: %d %s %v", status, body, h)
	}
	for name, authorization := range map[string]string{
		"replayed": fresh,
		"stale":    presign(clock.Add(-6 * time.Minute)),
		"missing":  "",
		"bearer":   "Bearer abc",
	} {
		if status, body, _ := get(authorization); status != 401 || !strings.Contains(body, `"error":"Unauthenticated"`) {
			t.Errorf("%s: %d %s", name, status, body)
		}
	}
	// A body over the limit is refused before authentication.
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/applications", strings.NewReader(strings.Repeat("x", server.MaxBodyBytes+1)))
	req.Header.Set("Authorization", presign(clock))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Fatalf("oversized body: %d", resp.StatusCode)
	}
}

// TestAPIGatewayEvents covers what the Lambda transport reads from an event.
func TestAPIGatewayEvents(t *testing.T) {
	f := newFixture(t, registrytest.NewMemory())
	event := func(arn, method, body string, b64 bool) events.APIGatewayProxyRequest {
		ev := events.APIGatewayProxyRequest{HTTPMethod: method, Path: "/applications", Body: body, IsBase64Encoded: b64}
		ev.RequestContext.RequestID = "req-1"
		ev.RequestContext.Identity.UserArn = arn
		return ev
	}
	reg, _ := json.Marshal(f.registration())
	cases := []struct {
		name   string
		ev     events.APIGatewayProxyRequest
		status int
	}{
		{"register, base64 body", event(f.app.ARN, "POST", base64.StdEncoding.EncodeToString(reg), true), 201},
		{"describe", event(f.app.ARN, "GET", "", false), 200},
		{"no IAM caller", event("", "GET", "", false), 401},
		{"IAM user", event("arn:aws:iam::123456789012:user/alice", "GET", "", false), 403},
		{"bad base64", event(f.app.ARN, "POST", "%%%", true), 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := f.svc.HandleAPIGateway(context.Background(), tc.ev)
			if err != nil || resp.StatusCode != tc.status || resp.Headers["X-Request-Id"] != "req-1" {
				t.Fatalf("got %d %s %v (err %v), want %d", resp.StatusCode, resp.Body, resp.Headers, err, tc.status)
			}
		})
	}
	// jwt given twice in the multi-value query is refused like in HTTP.
	ev := event(f.app.ARN, "GET", "", false)
	ev.Path = "/credentials"
	ev.MultiValueQueryStringParameters = map[string][]string{"jwt": {"a", "b"}}
	if resp, _ := f.svc.HandleAPIGateway(context.Background(), ev); resp.StatusCode != 400 {
		t.Fatalf("jwt twice: %d %s", resp.StatusCode, resp.Body)
	}
}
