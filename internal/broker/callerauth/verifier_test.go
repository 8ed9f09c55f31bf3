package callerauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/testport"
)

func TestAuthenticateHappyPath(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t, brokerA, nil)
	got, err := v.Authenticate(context.Background(), f.presign(t, brokerA, f.clock.Now()), testBind)
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	want := Caller{
		ARN:       "arn:aws:sts::123456789012:assumed-role/App/app-session",
		RoleARN:   "arn:aws:iam::123456789012:role/App",
		AccountID: testAccount,
		Partition: "aws",
		RoleName:  "App",
	}
	if got != want {
		t.Fatalf("caller = %+v, want %+v", got, want)
	}
	recs := f.aws.Requests("GetCallerIdentity")
	if len(recs) != 1 || recs[0].Header.Get(headerBrokerID) != brokerA {
		t.Fatalf("STS saw %d requests, X-Tip-Broker-Id %q", len(recs), recs[0].Header.Get(headerBrokerID))
	}
}

func TestAuthenticateReplay(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t, brokerA, nil)
	h := f.presign(t, brokerA, f.clock.Now())
	if _, err := v.Authenticate(context.Background(), h, testBind); err != nil {
		t.Fatalf("first use: %v", err)
	}
	_, err := v.Authenticate(context.Background(), h, testBind)
	if !errors.Is(err, ErrUnauthenticated) || !strings.Contains(err.Error(), "already used") {
		t.Fatalf("replay: err = %v, want ErrUnauthenticated already used", err)
	}
	if n := f.aws.Counts()["GetCallerIdentity"]; n != 1 {
		t.Fatalf("STS calls = %d, want 1", n)
	}
}

// TestAuthenticateSameSecond: two requests presigned by one caller in the
// same second differ by their nonces, so neither is taken for a replay.
func TestAuthenticateSameSecond(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t, brokerA, nil)
	at := f.clock.Now()
	first, second := f.presign(t, brokerA, at), f.presign(t, brokerA, at)
	for i, h := range []string{first, second} {
		if _, err := v.Authenticate(context.Background(), h, testBind); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
}

// TestAuthenticateReplayRace sends one presigned request concurrently: the
// replay entry is consumed before STS answers, so exactly one succeeds.
func TestAuthenticateReplayRace(t *testing.T) {
	f := newFixture(t)
	f.aws.SetDelay("GetCallerIdentity", 50*time.Millisecond)
	v := f.verifier(t, brokerA, nil)
	h := f.presign(t, brokerA, f.clock.Now())
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = v.Authenticate(context.Background(), h, testBind)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, ErrUnauthenticated):
			t.Errorf("unexpected error %v", err)
		}
	}
	if ok != 1 || f.aws.Counts()["GetCallerIdentity"] != 1 {
		t.Fatalf("successes = %d, STS calls = %d; want 1 and 1", ok, f.aws.Counts()["GetCallerIdentity"])
	}
}

// refusal is one Authenticate case that must fail.
type refusal struct {
	name     string
	header   func(t *testing.T, f *fixture) string
	before   func(f *fixture) // e.g. queue an STS failure or move the clock
	options  func(o *VerifierOptions)
	want     error
	stsCalls int // requests that reached the sandbox STS
	msg      string
}

func TestAuthenticateRefusals(t *testing.T) {
	const gci = "Action=GetCallerIdentity&Version=2011-06-15"
	bound := map[string]string{headerBrokerID: brokerA, headerNonce: testNonce}
	now := func(f *fixture) time.Time { return f.clock.Now() }
	tests := []refusal{
		{name: "stale", want: ErrUnauthenticated, msg: "older than",
			header: func(t *testing.T, f *fixture) string { return f.presign(t, brokerA, now(f).Add(-6*time.Minute)) }},
		{name: "future dated", want: ErrUnauthenticated, msg: "future",
			header: func(t *testing.T, f *fixture) string { return f.presign(t, brokerA, now(f).Add(2*time.Minute)) }},
		{name: "host not allowed", want: ErrUnauthenticated, msg: "not allowed",
			header: func(t *testing.T, f *fixture) string {
				return presignRaw(t, f.creds, "http://169.254.169.254", gci+"&X-Amz-Expires=60", bound, now(f))
			}},
		{name: "other host name", want: ErrUnauthenticated, msg: "not allowed",
			header: func(t *testing.T, f *fixture) string {
				return presignRaw(t, f.creds, strings.Replace(f.aws.URL(), "127.0.0.1", "localhost", 1), gci+"&X-Amz-Expires=60", bound, now(f))
			}},
		{name: "presigned for another broker", want: ErrUnauthenticated, stsCalls: 1, msg: "SignatureDoesNotMatch",
			header: func(t *testing.T, f *fixture) string { return f.presign(t, brokerB, now(f)) }},
		{name: "tampered expires", want: ErrUnauthenticated, stsCalls: 1, msg: "SignatureDoesNotMatch",
			header: func(t *testing.T, f *fixture) string {
				return tamper(t, f.presign(t, brokerA, now(f)), func(q url.Values) { q.Set("X-Amz-Expires", "59") })
			}},
		{name: "tampered action", want: ErrUnauthenticated, msg: "Action=GetCallerIdentity",
			header: func(t *testing.T, f *fixture) string {
				return tamper(t, f.presign(t, brokerA, now(f)), func(q url.Values) { q.Set("Action", "AssumeRole") })
			}},
		{name: "extra parameter", want: ErrUnauthenticated, msg: "unexpected query parameter",
			header: func(t *testing.T, f *fixture) string {
				return tamper(t, f.presign(t, brokerA, now(f)), func(q url.Values) { q.Set("RoleArn", "x") })
			}},
		{name: "duplicate parameter", want: ErrUnauthenticated, msg: "duplicate",
			header: func(t *testing.T, f *fixture) string {
				return tamper(t, f.presign(t, brokerA, now(f)), func(q url.Values) { q.Add("Version", "2011-06-15") })
			}},
		{name: "nonce not signed", want: ErrUnauthenticated, msg: "x-tip-broker-nonce",
			header: func(t *testing.T, f *fixture) string {
				return presignRaw(t, f.creds, f.aws.URL(), gci+"&X-Amz-Expires=60", map[string]string{headerBrokerID: brokerA}, now(f))
			}},
		{name: "nonce swapped", want: ErrUnauthenticated, stsCalls: 1, msg: "SignatureDoesNotMatch",
			header: func(t *testing.T, f *fixture) string {
				enc, _ := splitHeader(f.presign(t, brokerA, now(f)))
				return AuthScheme + " " + enc + "." + testNonce
			}},
		{name: "nonce missing", want: ErrUnauthenticated, msg: "nonce",
			header: func(t *testing.T, f *fixture) string {
				enc, _ := splitHeader(f.presign(t, brokerA, now(f)))
				return AuthScheme + " " + enc
			}},
		{name: "broker header not signed", want: ErrUnauthenticated, msg: "x-tip-broker-id",
			header: func(t *testing.T, f *fixture) string {
				return presignRaw(t, f.creds, f.aws.URL(), gci+"&X-Amz-Expires=60", nil, now(f))
			}},
		{name: "expires missing", want: ErrUnauthenticated, msg: "X-Amz-Expires",
			header: func(t *testing.T, f *fixture) string { return presignRaw(t, f.creds, f.aws.URL(), gci, bound, now(f)) }},
		{name: "path not root", want: ErrUnauthenticated, msg: "path",
			header: func(t *testing.T, f *fixture) string {
				return presignRaw(t, f.creds, f.aws.URL()+"/x", gci+"&X-Amz-Expires=60", bound, now(f))
			}},
		{name: "wrong scheme", want: ErrUnauthenticated, msg: "scheme",
			header: func(t *testing.T, f *fixture) string {
				return "Bearer" + strings.TrimPrefix(f.presign(t, brokerA, now(f)), AuthScheme)
			}},
		{name: "not base64url", want: ErrUnauthenticated, msg: "base64url",
			header: func(*testing.T, *fixture) string { return AuthScheme + " a+b/c" }},
		{name: "too large", want: ErrUnauthenticated, msg: "larger",
			header: func(*testing.T, *fixture) string {
				return AuthScheme + " " + strings.Repeat("A", 6000) + "." + testNonce
			}},
		{name: "credentials expired", want: ErrUnauthenticated, stsCalls: 1, msg: "ExpiredToken",
			before: func(f *fixture) { f.clock.Advance(2 * time.Hour) },
			header: func(t *testing.T, f *fixture) string { return f.presign(t, brokerA, now(f)) }},
		{name: "sts 500", want: ErrUpstream, stsCalls: 1,
			before: func(f *fixture) { f.aws.FailNext("GetCallerIdentity", 500, "InternalFailure", "boom") },
			header: func(t *testing.T, f *fixture) string { return f.presign(t, brokerA, now(f)) }},
		{name: "sts throttling", want: ErrUpstream, stsCalls: 1,
			before: func(f *fixture) { f.aws.FailNext("GetCallerIdentity", 400, "Throttling", "Rate exceeded") },
			header: func(t *testing.T, f *fixture) string { return f.presign(t, brokerA, now(f)) }},
	}
	// Issue 22 item 14: a presign lives at most 60 s (so a replay cache
	// entry lives at most 2 minutes); longer ones are refused locally.
	for _, exp := range []string{"61", "300", "3600"} {
		tests = append(tests, refusal{name: "expires " + exp, want: ErrUnauthenticated, msg: "X-Amz-Expires",
			header: func(t *testing.T, f *fixture) string {
				return presignRaw(t, f.creds, f.aws.URL(), gci+"&X-Amz-Expires="+exp, bound, now(f))
			}})
	}
	f := newFixture(t) // shared: each case gets fresh credentials and a fresh verifier
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runRefusal(t, f, tt) })
	}
}

func runRefusal(t *testing.T, f *fixture, tt refusal) {
	f.creds = f.aws.RoleCredentials("App", "app-session", time.Hour)
	f.wire = &countingTransport{next: http.DefaultTransport}
	if tt.before != nil {
		tt.before(f)
	}
	h := tt.header(t, f)
	v := f.verifier(t, brokerA, tt.options)
	calls := f.aws.Counts()["GetCallerIdentity"]
	_, err := v.Authenticate(context.Background(), h, testBind)
	if !errors.Is(err, tt.want) {
		t.Fatalf("err = %v, want %v", err, tt.want)
	}
	if !strings.Contains(err.Error(), tt.msg) {
		t.Errorf("err = %q, want it to mention %q", err, tt.msg)
	}
	if n := f.aws.Counts()["GetCallerIdentity"] - calls; n != tt.stsCalls || f.wire.n.Load() != int64(tt.stsCalls) {
		t.Fatalf("STS calls = %d, wire requests = %d, want %d", n, f.wire.n.Load(), tt.stsCalls)
	}
	if tt.stsCalls == 0 && v.replay.size() != 0 {
		t.Fatalf("a locally refused request entered the replay cache")
	}
}

// TestAuthenticateUpstream covers answers from an allowed endpoint that is
// not the sandbox: down, redirecting, garbage.
func TestAuthenticateUpstream(t *testing.T) {
	f := newFixture(t)
	// Reserved, so no other test's listener can take it before the call.
	downURL := "http://127.0.0.1:" + strconv.Itoa(testport.Free(t))
	redirect := httptest.NewServer(http.RedirectHandler(f.aws.URL()+"/?Action=GetCallerIdentity", http.StatusFound))
	t.Cleanup(redirect.Close)
	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, "<html>not sts</html>")
	}))
	t.Cleanup(garbage.Close)
	for name, endpoint := range map[string]string{"down": downURL, "redirect": redirect.URL, "garbage": garbage.URL} {
		t.Run(name, func(t *testing.T) {
			v := f.verifier(t, brokerA, func(o *VerifierOptions) { o.STSEndpoints = []string{endpoint} })
			h, err := PresignCallerIdentity(context.Background(), static(f.creds), endpoint, "us-east-1", brokerA, testBind, f.clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			_, err = v.Authenticate(context.Background(), h, testBind)
			if !errors.Is(err, ErrUpstream) || errors.Is(err, ErrUnauthenticated) {
				t.Fatalf("err = %v, want ErrUpstream only", err)
			}
			if strings.Contains(err.Error(), "X-Amz-Signature") || strings.Contains(err.Error(), f.creds.SessionToken) {
				t.Fatalf("error leaks the presigned url: %v", err)
			}
		})
	}
	if n := f.aws.Counts()["GetCallerIdentity"]; n != 0 {
		t.Fatalf("the redirect was followed: %d STS calls", n)
	}
}

func TestAuthenticateReplayAfterWindow(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t, brokerA, nil)
	h := f.presign(t, brokerA, f.clock.Now())
	if _, err := v.Authenticate(context.Background(), h, testBind); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(defaultWindow + time.Second)
	_, err := v.Authenticate(context.Background(), h, testBind)
	if !errors.Is(err, ErrUnauthenticated) || !strings.Contains(err.Error(), "older than") {
		t.Fatalf("err = %v, want stale", err)
	}
	if _, err := v.Authenticate(context.Background(), f.presign(t, brokerA, f.clock.Now()), testBind); err != nil {
		t.Fatalf("fresh request after the window: %v", err)
	}
	if n := v.replay.size(); n != 1 {
		t.Fatalf("replay cache holds %d entries, want 1 (expired ones dropped)", n)
	}
}

// TestReplayAfterPresignExpiry: the replay cache forgets a signature once
// the presigned URL has expired (60 s + 1 min of skew), well inside the
// 5-minute window; a replay is then refused locally as expired, without
// asking STS, and not remembered either.
func TestReplayAfterPresignExpiry(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t, brokerA, nil)
	h := f.presign(t, brokerA, f.clock.Now())
	if _, err := v.Authenticate(context.Background(), h, testBind); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(3 * time.Minute)
	_, err := v.Authenticate(context.Background(), h, testBind)
	if !errors.Is(err, ErrUnauthenticated) || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("err = %v, want the expired presign refused", err)
	}
	if n := f.aws.Counts()["GetCallerIdentity"]; n != 1 {
		t.Fatalf("STS calls = %d, want 1 (the expired replay refused locally)", n)
	}
	if _, err := v.Authenticate(context.Background(), f.presign(t, brokerA, f.clock.Now()), testBind); err != nil {
		t.Fatal(err)
	}
	if n := v.replay.size(); n != 1 {
		t.Fatalf("replay cache holds %d entries, want only the fresh one (the first expired)", n)
	}
}

func TestNewVerifierOptions(t *testing.T) {
	tests := []struct {
		name string
		o    VerifierOptions
		ok   bool
	}{
		{name: "ok", o: VerifierOptions{BrokerID: "b", STSEndpoints: DefaultSTSEndpoints("eu-west-1")}, ok: true},
		{name: "no broker id", o: VerifierOptions{STSEndpoints: []string{"https://sts.amazonaws.com"}}},
		{name: "broker id with space", o: VerifierOptions{BrokerID: "a b", STSEndpoints: []string{"https://sts.amazonaws.com"}}},
		{name: "no endpoints", o: VerifierOptions{BrokerID: "b"}},
		{name: "endpoint with path", o: VerifierOptions{BrokerID: "b", STSEndpoints: []string{"https://sts.amazonaws.com/x"}}},
		{name: "endpoint ftp", o: VerifierOptions{BrokerID: "b", STSEndpoints: []string{"ftp://sts.amazonaws.com"}}},
		{name: "endpoint userinfo", o: VerifierOptions{BrokerID: "b", STSEndpoints: []string{"https://u:p@sts.amazonaws.com"}}},
		{name: "negative window", o: VerifierOptions{BrokerID: "b", STSEndpoints: []string{"https://sts.amazonaws.com"}, Window: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewVerifier(tt.o)
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestDefaultSTSEndpoints(t *testing.T) {
	tests := map[string][]string{
		"":              {"https://sts.amazonaws.com"},
		"eu-west-1":     {"https://sts.amazonaws.com", "https://sts.eu-west-1.amazonaws.com"},
		"us-gov-west-1": {"https://sts.us-gov-west-1.amazonaws.com"},
		"cn-north-1":    {"https://sts.cn-north-1.amazonaws.com.cn"},
		"evil.com/x":    {"https://sts.amazonaws.com"},
	}
	for region, want := range tests {
		if got := DefaultSTSEndpoints(region); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("DefaultSTSEndpoints(%q) = %v, want %v", region, got, want)
		}
	}
}
