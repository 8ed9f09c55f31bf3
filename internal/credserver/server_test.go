package credserver_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"

	"github.com/tip-cli/tip-cli/internal/cred"
	"github.com/tip-cli/tip-cli/internal/credproc"
	"github.com/tip-cli/tip-cli/internal/credserver"
	"github.com/tip-cli/tip-cli/internal/session"
	"github.com/tip-cli/tip-cli/internal/testbuf"
	"github.com/tip-cli/tip-cli/internal/testclock"
	"github.com/tip-cli/tip-cli/internal/testport"
)

// fixture is a running server with a counting source.
type fixture struct {
	url, token string
	addr       string
	calls      atomic.Int32
	log        *testbuf.Buffer
	notices    chan string
	clock      *testclock.Clock
	// next is what the source returns; guarded by mu.
	mu   sync.Mutex
	next func(n int32) (*cred.Credentials, error)
}

func creds(n int32, now time.Time, ttl time.Duration) *cred.Credentials {
	return &cred.Credentials{AccessKeyID: fmt.Sprintf("ASIAKEY%d", n), SecretAccessKey: "secret-value", SessionToken: "session-token-value",
		Expiration: now.Add(ttl), MintedAt: now, AccountID: "123456789012"}
}

// serve runs a credential server with cfg on a fresh token and loopback
// port (filling url, token and addr; cfg's Token, Now and Notice are set
// here) until the test ends, then checks it shut down and logged no secret.
func (fx *fixture) serve(t *testing.T, cfg credserver.Config) {
	t.Helper()
	token, err := credserver.NewToken(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	// A reserved port: the cleanup dials it after shutdown and wants a
	// refusal, which a kernel-picked port reused by another listener would
	// not give.
	ln, err := credserver.Listen("127.0.0.1:" + strconv.Itoa(testport.Free(t)))
	if err != nil {
		t.Fatal(err)
	}
	fx.url, fx.token, fx.addr = credserver.URL(ln), token, ln.Addr().String()
	cfg.Token, cfg.Now = token, fx.clock.Now
	cfg.Notice = func(m string) { fx.notices <- m }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- credserver.Serve(ctx, ln, cfg) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		if c, err := net.Dial("tcp", fx.addr); err == nil {
			c.Close()
			t.Errorf("listener %s still accepts after shutdown", fx.addr)
		}
		if strings.Contains(fx.log.String(), fx.token) || strings.Contains(fx.log.String(), "secret-value") {
			t.Errorf("the request log holds a secret:\n%s", fx.log)
		}
	})
}

func start(t *testing.T, signIn func(context.Context) error) *fixture {
	t.Helper()
	fx := &fixture{log: &testbuf.Buffer{}, notices: make(chan string, 16), clock: testclock.New(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))}
	fx.next = func(n int32) (*cred.Credentials, error) { return creds(n, fx.clock.Now(), time.Hour), nil }
	fx.serve(t, credserver.Config{
		Endpoints: map[string]credserver.Endpoint{credserver.Path: {
			Source: func(context.Context) (*cred.Credentials, error) {
				n := fx.calls.Add(1)
				time.Sleep(20 * time.Millisecond) // let concurrent requests pile up
				fx.mu.Lock()
				defer fx.mu.Unlock()
				return fx.next(n)
			},
			Fresh:  credproc.DefaultPolicy().FreshCredentials,
			SignIn: signIn,
		}},
		Log: slog.New(slog.NewTextHandler(fx.log, nil)),
	})
	return fx
}

// sdk retrieves credentials with the Go SDK's container credentials client.
func (fx *fixture) sdk(ctx context.Context, token string) (string, error) {
	p := endpointcreds.New(fx.url, func(o *endpointcreds.Options) {
		o.AuthorizationToken = token
		o.Retryer = aws.NopRetryer{} // one request per Retrieve, so counts are exact
	})
	c, err := p.Retrieve(ctx)
	return c.AccessKeyID, err
}

func TestRefusals(t *testing.T) {
	fx := start(t, nil)
	for _, tt := range []struct {
		name   string
		mutate func(r *http.Request)
		status int
		code   string
	}{
		{"served", func(*http.Request) {}, 200, ""},
		{"no token", func(r *http.Request) { r.Header.Del("Authorization") }, 401, "MissingToken"},
		{"wrong token", func(r *http.Request) { r.Header.Set("Authorization", "x"+fx.token) }, 401, "InvalidToken"},
		{"token with a prefix", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+fx.token) }, 401, "InvalidToken"},
		{"foreign host (DNS rebinding)", func(r *http.Request) { r.Host = "attacker.example:" + strings.Split(fx.addr, ":")[1] }, 403, "ForeignHost"},
		{"localhost name", func(r *http.Request) { r.Host = "localhost:" + strings.Split(fx.addr, ":")[1] }, 403, "ForeignHost"},
		// The AWS CRT's container provider sends the listener's address without the port.
		{"bare listener address (AWS CRT)", func(r *http.Request) { r.Host = "127.0.0.1" }, 200, ""},
		{"bare localhost name", func(r *http.Request) { r.Host = "localhost" }, 403, "ForeignHost"},
		{"bare other loopback address", func(r *http.Request) { r.Host = "127.0.0.2" }, 403, "ForeignHost"},
		{"bare IPv6 loopback", func(r *http.Request) { r.Host = "[::1]" }, 403, "ForeignHost"},
		{"listener address, other port", func(r *http.Request) { r.Host = "127.0.0.1:1" }, 403, "ForeignHost"},
		{"listener address, empty port", func(r *http.Request) { r.Host = "127.0.0.1:" }, 403, "ForeignHost"},
		{"browser origin", func(r *http.Request) { r.Header.Set("Origin", "https://evil.example") }, 403, "BrowserRequest"},
		{"null origin", func(r *http.Request) { r.Header.Set("Origin", "null") }, 403, "BrowserRequest"},
		{"fetch metadata", func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "cross-site") }, 403, "BrowserRequest"},
		{"post", func(r *http.Request) { r.Method = http.MethodPost }, 405, "MethodNotAllowed"},
		{"preflight", func(r *http.Request) { r.Method = http.MethodOptions }, 405, "MethodNotAllowed"},
		{"other path", func(r *http.Request) { r.URL.Path = "/" }, 404, "NotFound"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, fx.url, nil)
			req.Header.Set("Authorization", fx.token)
			tt.mutate(req)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body bytes.Buffer
			_, _ = body.ReadFrom(resp.Body)
			if resp.StatusCode != tt.status || !strings.Contains(body.String(), tt.code) {
				t.Errorf("got %d %s, want %d %s", resp.StatusCode, body.String(), tt.status, tt.code)
			}
			if tt.status != 200 {
				checkErrorBody(t, body.Bytes(), tt.code)
			}
			if tt.status != 200 && strings.Contains(body.String(), "ASIA") {
				t.Errorf("a refused request got credentials: %s", body.String())
			}
		})
	}
	// The Go SDK's own client with a wrong token surfaces the refusal.
	if _, err := fx.sdk(context.Background(), "wrong"); err == nil || !strings.Contains(err.Error(), "InvalidToken") {
		t.Errorf("Go SDK with a wrong token: err = %v, want InvalidToken", err)
	}
}

// Many clients at expiry: one fetch; while fresh: none.
func TestOneFetchPerExpiry(t *testing.T) {
	fx := start(t, nil)
	ctx := context.Background()
	for round := int32(1); round <= 3; round++ {
		const n = 16
		keys := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				k, err := fx.sdk(ctx, fx.token)
				if err != nil {
					t.Error(err)
				}
				keys[i] = k
			}()
		}
		wg.Wait()
		want := fmt.Sprintf("ASIAKEY%d", round)
		for _, k := range keys {
			if k != want {
				t.Fatalf("round %d: keys %v, want all %s", round, keys, want)
			}
		}
		if got := fx.calls.Load(); got != round {
			t.Fatalf("round %d: %d fetches, want %d", round, got, round)
		}
		fx.clock.Advance(50 * time.Minute) // past the refresh point of a 1 h session
	}
}

// The sign-in is gone: the SDK gets the message, the user is told once,
// one sign-in runs however many requests fail, and after it the next
// request succeeds.
func TestLoginRequiredStartsOneSignIn(t *testing.T) {
	var signIns atomic.Int32
	release := make(chan struct{})
	var fx *fixture
	fx = start(t, func(context.Context) error {
		signIns.Add(1)
		<-release
		fx.mu.Lock()
		fx.next = func(n int32) (*cred.Credentials, error) { return creds(n, fx.clock.Now(), time.Hour), nil }
		fx.mu.Unlock()
		return nil
	})
	fx.mu.Lock()
	fx.next = func(int32) (*cred.Credentials, error) {
		return nil, fmt.Errorf("refresh: %w", &session.LoginRequiredError{Profile: "work", Reason: "the identity provider session ended"})
	}
	fx.mu.Unlock()
	ctx := context.Background()
	for range 5 {
		_, err := fx.sdk(ctx, fx.token)
		if err == nil || !strings.Contains(err.Error(), "tip-cli --profile work auth") {
			t.Fatalf("err = %v, want the not-signed-in message", err)
		}
	}
	if got := signIns.Load(); got != 1 {
		t.Errorf("sign-ins started = %d, want 1", got)
	}
	if msg := <-fx.notices; !strings.Contains(msg, "not signed in") || !strings.Contains(msg, "starting a sign-in") {
		t.Errorf("notice = %q", msg)
	}
	select {
	case msg := <-fx.notices:
		t.Errorf("second notice before the sign-in ended: %q", msg)
	default:
	}
	close(release)
	if msg := <-fx.notices; !strings.Contains(msg, "signed in") {
		t.Errorf("notice after sign-in = %q", msg)
	}
	if _, err := fx.sdk(ctx, fx.token); err != nil {
		t.Errorf("after the sign-in: %v", err)
	}
}

// Without a terminal the server cannot sign in: it says what to run, once.
func TestLoginRequiredWithoutTerminal(t *testing.T) {
	fx := start(t, nil)
	fx.mu.Lock()
	fx.next = func(int32) (*cred.Credentials, error) { return nil, &session.LoginRequiredError{Profile: "default"} }
	fx.mu.Unlock()
	for range 3 {
		if _, err := fx.sdk(context.Background(), fx.token); err == nil {
			t.Fatal("served without a sign-in")
		}
	}
	if msg := <-fx.notices; !strings.Contains(msg, "run `tip-cli auth`") {
		t.Errorf("notice = %q", msg)
	}
	if len(fx.notices) != 0 {
		t.Errorf("told the user %d more times", len(fx.notices))
	}
}

// checkErrorBody checks that an error body carries the code and message
// both as code/message and as Code/Message (what the JS SDK v3's fromHttp
// reads).
func checkErrorBody(t *testing.T, body []byte, code string) {
	t.Helper()
	var v map[string]string
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("error body %s: %v", body, err)
	}
	if v["code"] != code || v["Code"] != code || v["message"] == "" || v["Message"] != v["message"] {
		t.Errorf("error body %s: want code/Code %s and the same message/Message", body, code)
	}
}

func TestListenRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "localhost:0", "192.0.2.1:0", "example.com:80", "127.0.0.1"} {
		if ln, err := credserver.Listen(addr); err == nil {
			ln.Close()
			t.Errorf("Listen(%q) succeeded", addr)
		}
	}
}

func TestNewToken(t *testing.T) {
	a, err := credserver.NewToken(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := credserver.NewToken(rand.Reader)
	if a == b || len(a) < 43 {
		t.Errorf("tokens %q %q: want distinct, >= 256 bits", a, b)
	}
	if _, err := credserver.NewToken(bytes.NewReader(nil)); err == nil {
		t.Error("NewToken with an empty reader succeeded")
	}
}
