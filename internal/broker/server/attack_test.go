package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/tip-cli/tip-cli/internal/broker/callerauth"
	"github.com/tip-cli/tip-cli/internal/broker/registry/registrytest"
	"github.com/tip-cli/tip-cli/internal/broker/server"
	"github.com/tip-cli/tip-cli/internal/testport"
)

// standalone is one `tip-broker serve` instance's handler over the
// fixture's service, with its own replay cache.
func (f *fixture) standalone(t *testing.T, now func() time.Time, sources *server.Limiter) *server.HTTPHandler {
	t.Helper()
	auth, err := callerauth.NewVerifier(callerauth.VerifierOptions{BrokerID: "broker.test",
		STSEndpoints: []string{f.sc.AWS.URL()}, Now: now, AllowedAccounts: []string{f.app.AccountID}})
	if err != nil {
		t.Fatal(err)
	}
	return &server.HTTPHandler{Service: f.svc, Auth: auth, Sources: sources}
}

// presignFor is the Authorization header the client builds for a request.
func (f *fixture) presignFor(t *testing.T, creds aws.Credentials, bind callerauth.Binding, at time.Time) string {
	t.Helper()
	p := credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken)
	h, err := callerauth.PresignCallerIdentity(context.Background(), p, f.sc.AWS.URL(), f.sc.AWS.Region(), "broker.test", bind, at)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// serve runs one request through h in-process from source address src.
func serve(h http.Handler, method, path, authorization, src string, body []byte) (int, string) {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.RemoteAddr = src + ":40000"
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(b)
}

// TestGetReplayedAsPostOnSecondInstance is issue 13's attack: a header
// captured from GET /applications, replayed as a POST that would replace
// the registration's JWKS URL on a second instance, is refused, and the
// registration is unchanged.
func TestGetReplayedAsPostOnSecondInstance(t *testing.T) {
	f := newFixture(t, registrytest.NewMemory())
	f.register(t)
	clock := time.Now()
	now := func() time.Time { return clock }
	a, b := f.standalone(t, now, nil), f.standalone(t, now, nil)
	captured := f.presignFor(t, f.sc.AppCredentials(time.Hour), callerauth.Binding{Method: "GET", Path: "/applications"}, clock)
	if status, body := serve(a, "GET", "/applications", captured, "192.0.2.1", nil); status != 200 {
		t.Fatalf("genuine GET: %d %s", status, body)
	}
	evil := f.registration()
	evil.JWKSetURL = f.sc.Other.JWKSURL()
	reg, _ := json.Marshal(evil)
	if status, body := serve(b, "POST", "/applications", captured, "192.0.2.66", reg); status != 401 {
		t.Fatalf("GET header replayed as POST on a second instance: %d %s", status, body)
	}
	got, err := f.svc.Store.Get(context.Background(), f.app.RoleARN)
	if err != nil || got.JWKSetURL != f.sc.App.JWKSURL() {
		t.Fatalf("registration after the replay: %+v, %v", got, err)
	}
}

// TestJunkFloodThenReplay is issue 13's flush attack: 100,000 junk
// presigned requests (well formed, signed with credentials STS does not
// know) from one source, then a replay of a captured genuine header. The
// replay is refused, and the junk cost at most the source's burst of
// outbound STS calls.
func TestJunkFloodThenReplay(t *testing.T) {
	f := newFixture(t, registrytest.NewMemory())
	clock := time.Now()
	now := func() time.Time { return clock }
	f.svc.Now = now
	const burst = 20
	h := f.standalone(t, now, server.NewLimiter(10, burst))
	genuine := f.presignFor(t, f.sc.AppCredentials(time.Hour), callerauth.Binding{Method: "GET", Path: "/applications"}, clock)
	if status, body := serve(h, "GET", "/applications", genuine, "192.0.2.1", nil); status != 404 {
		t.Fatalf("genuine request: %d %s", status, body)
	}
	before := f.sc.AWS.Counts()["GetCallerIdentity"]
	junk := junkPresigns(t, f.presignFor(t, aws.Credentials{AccessKeyID: "ASIAJUNKJUNKJUNKJUNK", SecretAccessKey: "junk", SessionToken: "junk"},
		callerauth.Binding{Method: "GET", Path: "/applications"}, clock))
	log := f.svc.Log
	f.svc.Log = nil // 100,000 access lines would only slow the test down
	statuses := map[int]int{}
	for i := range 100_000 {
		status, _ := serve(h, "GET", "/applications", junk(i), "192.0.2.66", nil)
		statuses[status]++
	}
	f.svc.Log = log
	if n := f.sc.AWS.Counts()["GetCallerIdentity"] - before; n > burst {
		t.Fatalf("junk caused %d STS calls, want at most the burst %d (statuses %v)", n, burst, statuses)
	}
	if statuses[401] > burst || statuses[429] < 100_000-burst {
		t.Fatalf("junk statuses = %v", statuses)
	}
	if status, body := serve(h, "GET", "/applications", genuine, "192.0.2.1", nil); status != 401 {
		t.Fatalf("replay after the flood: %d %s", status, body)
	}
	// Another source is not starved by the flooding one.
	fresh := f.presignFor(t, f.sc.AppCredentials(time.Hour), callerauth.Binding{Method: "GET", Path: "/applications"}, clock)
	if status, body := serve(h, "GET", "/applications", fresh, "192.0.2.2", nil); status != 404 {
		t.Fatalf("other source: %d %s", status, body)
	}
}

// TestHealth answers without authentication and without detail.
func TestHealth(t *testing.T) {
	f := newFixture(t, registrytest.NewMemory())
	h := f.standalone(t, time.Now, server.NewLimiter(1, 1))
	for i := range 3 { // not rate limited: load balancers poll it
		if status, body := serve(h, "GET", "/health", "", "192.0.2.9", nil); status != 200 || body != `{"status":"ok"}` {
			t.Fatalf("health %d: %d %s", i, status, body)
		}
	}
	if status, _ := serve(h, "POST", "/health", "", "192.0.2.9", nil); status != 405 {
		t.Fatalf("POST /health: %d", status)
	}
	before := f.sc.AWS.Counts()["GetCallerIdentity"]
	serve(h, "GET", "/health", "", "192.0.2.9", nil)
	if n := f.sc.AWS.Counts()["GetCallerIdentity"] - before; n != 0 {
		t.Fatalf("health called STS %d times", n)
	}
}

// junkPresigns returns distinct well-formed presigned requests: base with
// its signature replaced by the i-th 64-digit hex number.
func junkPresigns(t *testing.T, base string) func(i int) string {
	t.Helper()
	enc, nonce, _ := strings.Cut(strings.TrimPrefix(base, callerauth.AuthScheme+" "), ".")
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	sig := u.Query().Get("X-Amz-Signature")
	before, after, ok := strings.Cut(string(raw), sig)
	if !ok || len(sig) != 64 {
		t.Fatalf("no signature in %s", u.Redacted())
	}
	return func(i int) string {
		return callerauth.AuthScheme + " " + base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%s%064x%s", before, i, after)) + "." + nonce
	}
}

// TestSSRFTargetsRefused: with the default policy a registration naming
// any internal target is refused before anything is fetched, and a JWKS
// failure is summarised to the caller (no status, address or connection
// error to scan with) while the log keeps the detail.
func TestSSRFTargetsRefused(t *testing.T) {
	f := newFixture(t, registrytest.NewMemory())
	strict := *f.svc
	strict.AllowPrivateJWKS = false
	for _, target := range []string{
		f.sc.App.JWKSURL(), // http on loopback
		"https://127.0.0.1:22/",
		"https://localhost:6379/",
		"https://[::1]:8080/jwks",
		"https://169.254.169.254/latest/meta-data/iam/security-credentials/",
		"https://[fd00:ec2::254]/latest/meta-data/",
		"https://10.0.0.5/jwks",
		"https://192.168.1.1/admin",
		"https://[fe80::1]/jwks",
		"http://example.com/jwks",
	} {
		reg := f.registration()
		reg.JWKSetURL = target
		r := strict.Handle(context.Background(), server.Request{Method: "POST", Path: "/applications", Body: mustJSON(t, reg), Caller: f.app})
		if r.Status != 400 || errorCode(t, r) != "InvalidRequest" {
			t.Errorf("%s: %d %s", target, r.Status, r.Body)
		}
	}
	if n := f.sc.AWS.Counts()["AssumeRole"]; n != 0 {
		t.Fatalf("refused registrations reached STS %d times", n)
	}
	f.register(t)
	f.sc.App.SetJWKSStatus(503)
	tok, _ := f.sc.TenantToken("alice", "Yellow")
	r, _ := f.credentials(t, f.app, tok)
	if r.Status != 502 || errorCode(t, r) != "JWKSUnavailable" || strings.Contains(string(r.Body), "503") ||
		strings.Contains(string(r.Body), "127.0.0.1") {
		t.Fatalf("JWKS failure answer: %d %s", r.Status, r.Body)
	}
	if !strings.Contains(f.logs.String(), "503") {
		t.Fatalf("the log lacks the JWKS failure detail:\n%s", f.logs.String())
	}
}

// TestZonedJWKSRegistrationRefused is issue 22 item 13 at the API: zoned
// IPv6 hosts (which registered with 201 and were dialled), IPv4-mapped and
// -compatible forms and the other clouds' metadata addresses are refused
// at registration with 400, under the lab policy too, before any STS call.
func TestZonedJWKSRegistrationRefused(t *testing.T) {
	f := newFixture(t, registrytest.NewMemory())
	strict := *f.svc
	strict.AllowPrivateJWKS = false
	for _, target := range []string{
		"https://[::1%25lo]:9556/",
		"https://[fd00:ec2::254%25lo]/",
		"https://[::ffff:127.0.0.1]/jwks",
		"https://[::127.0.0.1]/jwks",
		"https://[fd00:ec2::23]/v1/credentials",
		"https://100.100.100.200/latest/meta-data/",
		"https://[2001::a9fe:a9fe]/jwks",
	} {
		for _, svc := range []*server.Service{&strict, f.svc} {
			reg := f.registration()
			reg.JWKSetURL = target
			r := svc.Handle(context.Background(), server.Request{Method: "POST", Path: "/applications", Body: mustJSON(t, reg), Caller: f.app})
			if r.Status != 400 || errorCode(t, r) != "InvalidRequest" {
				t.Errorf("%s (lab %v): %d %s", target, svc.AllowPrivateJWKS, r.Status, r.Body)
			}
		}
	}
	if n := f.sc.AWS.Counts()["AssumeRole"]; n != 0 {
		t.Fatalf("refused registrations reached STS %d times", n)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestUpstreamErrorSummarised is issue 22 item 16: when STS cannot be
// reached, the answer used to carry the SDK's error text, with the STS
// endpoint's address and port (an internal VPC endpoint, say). The caller
// gets 502 UpstreamError with the request id only, at registration and
// for credentials; the broker's log keeps the detail.
func TestUpstreamErrorSummarised(t *testing.T) {
	f := newFixture(t, registrytest.NewMemory())
	f.register(t)
	// A reserved port nothing listens on: a port probed on :0 and closed
	// could be handed to another test's listener before STS is called.
	port := strconv.Itoa(testport.Free(t))
	deadURL := "http://127.0.0.1:" + port
	creds := f.sc.BrokerCredentials(time.Hour)
	f.svc.STS = sts.NewFromConfig(aws.Config{Region: f.sc.AWS.Region(), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken)},
		func(o *sts.Options) { o.BaseEndpoint = aws.String(deadURL) })
	tok, _ := f.sc.TenantToken("alice", "Yellow")
	for name, r := range map[string]server.Response{
		"credentials": f.svc.Handle(context.Background(), server.Request{Method: "GET", Path: "/credentials",
			Query: url.Values{"jwt": {tok}}, Caller: f.app, RequestID: "req-credentials"}),
		"register": f.svc.Handle(context.Background(), server.Request{Method: "POST", Path: "/applications",
			Body: mustJSON(t, f.registration()), Caller: f.app, RequestID: "req-register"}),
	} {
		if r.Status != 502 || errorCode(t, r) != "UpstreamError" || strings.Contains(string(r.Body), port) ||
			strings.Contains(string(r.Body), "127.0.0.1") || !strings.Contains(string(r.Body), "req-"+name) {
			t.Errorf("%s with STS down: %d %s", name, r.Status, r.Body)
		}
		if !strings.Contains(f.logs.String(), port) || !strings.Contains(f.logs.String(), "req-"+name) {
			t.Errorf("%s: the log lacks the STS failure detail:\n%s", name, f.logs.String())
		}
	}
}
