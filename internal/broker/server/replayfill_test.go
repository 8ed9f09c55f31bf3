package server_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tip-cli/tip-cli/internal/broker/callerauth"
	"github.com/tip-cli/tip-cli/internal/broker/registry"
	"github.com/tip-cli/tip-cli/internal/broker/server"
)

// standaloneWith is f.standalone with the caller verifier's options
// adjusted by mutate.
func (f *fixture) standaloneWith(t *testing.T, sources *server.Limiter, mutate func(*callerauth.VerifierOptions)) *server.HTTPHandler {
	t.Helper()
	o := callerauth.VerifierOptions{BrokerID: "broker.test", STSEndpoints: []string{f.sc.AWS.URL()}, AllowedAccounts: []string{f.app.AccountID}}
	mutate(&o)
	auth, err := callerauth.NewVerifier(o)
	if err != nil {
		t.Fatal(err)
	}
	return &server.HTTPHandler{Service: f.svc, Auth: auth, Sources: sources}
}

// overHTTP serves h on a real loopback listener and returns a function
// sending GET /applications as creds, with a fresh presign each time.
func (f *fixture) overHTTP(t *testing.T, h http.Handler) func(creds aws.Credentials) (int, string) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return func(creds aws.Credentials) (int, string) {
		t.Helper()
		req, err := http.NewRequest("GET", srv.URL+"/applications", http.NoBody)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", f.presignFor(t, creds, callerauth.Binding{Method: "GET", Path: "/applications"}, time.Now()))
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(bytes.TrimSpace(b))
	}
}

// TestRefusedCallersTakeNoReplaySlot is issue 22 item 14: a caller
// refused by the per-caller rate limit (429) or by the allow-list (403)
// used to keep its verified signature in the replay cache, so refused
// requests alone could fill it and lock everyone out (503). With a cache
// of 4 entries, 4 refused requests leave room for another application.
func TestRefusedCallersTakeNoReplaySlot(t *testing.T) {
	t.Run("rate limited", func(t *testing.T) {
		f := newFixture(t, registry.NewMemory())
		f.svc.Limiter = server.NewLimiter(0.001, 2)
		get := f.overHTTP(t, f.standaloneWith(t, nil, func(o *callerauth.VerifierOptions) { o.ReplayCacheSize = 4 }))
		want := []int{404, 404, 429, 429}
		for i, w := range want {
			if status, body := get(f.sc.AppCredentials(time.Hour)); status != w {
				t.Fatalf("request %d: %d %s, want %d", i, status, body, w)
			}
		}
		if status, body := get(f.sc.OtherAppCredentials(time.Hour)); status != 404 {
			t.Fatalf("another application after 2 admitted and 2 rate-limited requests: %d %s, want 404", status, body)
		}
	})
	t.Run("not on the allow-list", func(t *testing.T) {
		f := newFixture(t, registry.NewMemory())
		get := f.overHTTP(t, f.standaloneWith(t, nil, func(o *callerauth.VerifierOptions) {
			o.ReplayCacheSize, o.AllowedRoles = 4, []string{f.app.RoleARN}
		}))
		for i := range 4 {
			if status, body := get(f.sc.OtherAppCredentials(time.Hour)); status != 403 {
				t.Fatalf("refused caller, request %d: %d %s", i, status, body)
			}
		}
		if status, body := get(f.sc.AppCredentials(time.Hour)); status != 404 {
			t.Fatalf("allowed application after 4 refused requests: %d %s, want 404", status, body)
		}
	})
}

// TestBrokerIssuedCredentialsRefusedAsCaller is issue 22 item 14: an end
// user's credentials, issued by the broker for the access role, were
// accepted as a caller (404 NotRegistered, a replay-cache slot spent).
// They are refused with 403 CallerNotAllowed in both modes.
func TestBrokerIssuedCredentialsRefusedAsCaller(t *testing.T) {
	f := newFixture(t, registry.NewMemory())
	f.register(t)
	tok, err := f.sc.TenantToken("alice", "Yellow")
	if err != nil {
		t.Fatal(err)
	}
	r, tenant := f.credentials(t, f.app, tok)
	if r.Status != 200 {
		t.Fatalf("credentials: %d %s", r.Status, r.Body)
	}
	get := f.overHTTP(t, f.standaloneWith(t, nil, func(o *callerauth.VerifierOptions) { o.ReplayCacheSize = 1 }))
	if status, body := get(awsCreds(tenant)); status != 403 || !bytes.Contains([]byte(body), []byte("CallerNotAllowed")) {
		t.Fatalf("standalone, broker-issued credentials as caller: %d %s", status, body)
	}
	if status, body := get(f.sc.AppCredentials(time.Hour)); status != 200 {
		t.Fatalf("the application after the refused tenant (cache of 1): %d %s", status, body)
	}
	lambda := f.do(t, callerOf(t, awsCreds(tenant), f.sc), "GET", "/applications", nil, nil)
	if lambda.Status != 403 || errorCode(t, lambda) != "CallerNotAllowed" {
		t.Fatalf("lambda mode, broker-issued credentials as caller: %d %s", lambda.Status, lambda.Body)
	}
}

// TestIPv6SourceLimitPerSlash64: the per-source limit keys IPv6 clients by
// their /64 (one host commonly holds a whole /64 and used to get one
// bucket per address), IPv4 clients by their address.
func TestIPv6SourceLimitPerSlash64(t *testing.T) {
	f := newFixture(t, registry.NewMemory())
	h := f.standalone(t, time.Now, server.NewLimiter(0.001, 2))
	bind := callerauth.Binding{Method: "GET", Path: "/applications"}
	for _, tt := range []struct {
		src  string
		want int
	}{
		{"2001:db8:1:2::1", 404},
		{"2001:db8:1:2::2", 404},
		{"2001:db8:1:2:ffff:ffff:ffff:ffff", 429},
		{"2001:db8:1:3::1", 404},
		{"192.0.2.1", 404},
		{"192.0.2.2", 404},
	} {
		auth := f.presignFor(t, f.sc.AppCredentials(time.Hour), bind, time.Now())
		src := tt.src
		if strings.Contains(src, ":") {
			src = "[" + src + "]" // serve appends the port
		}
		if status, body := serve(h, "GET", "/applications", auth, src, nil); status != tt.want {
			t.Fatalf("from %s: %d %s, want %d", tt.src, status, body, tt.want)
		}
	}
}
