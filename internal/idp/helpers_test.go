package idp

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/sandbox/idpemu"
	"github.com/tip-cli/tip-cli/internal/testclock"
	"github.com/tip-cli/tip-cli/internal/testkey"
	"github.com/tip-cli/tip-cli/internal/testport"
)

// testNow is the fixed clock shared by the sandbox IdP and the client.
func testNow() time.Time { return time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC) }

// newSandbox starts a sandbox IdP for one test.
func newSandbox(t *testing.T, opts idpemu.IdPOptions) *idpemu.IdP {
	t.Helper()
	if opts.Key == nil {
		opts.Key = testkey.RSA(t)
	}
	idp, err := idpemu.NewIdP(opts)
	if err != nil {
		t.Fatalf("start sandbox idp: %v", err)
	}
	t.Cleanup(idp.Close)
	return idp
}

// newClient returns a client for idp with a free-port loopback redirect.
func newClient(idp *idpemu.IdP, now func() time.Time) *Client {
	return &Client{
		Issuer:      idp.Issuer(),
		ClientID:    idp.ClientID(),
		Scopes:      []string{"openid", "email", "profile", "offline_access"},
		RedirectURI: "http://localhost:0/callback",
		HTTPClient:  &http.Client{Timeout: 10 * time.Second},
		Now:         now,
	}
}

// browser returns an OpenURL that follows the authorization URL like a
// browser, with a client of its own.
func browser() func(ctx context.Context, authURL string) error {
	return func(ctx context.Context, authURL string) error {
		return idpemu.FakeBrowser(ctx, &http.Client{Timeout: 10 * time.Second}, authURL)
	}
}

// clockSleep is a DeviceOptions.Sleep that moves clock instead of waiting.
func clockSleep(clock *testclock.Clock) func(context.Context, time.Duration) error {
	return func(ctx context.Context, d time.Duration) error {
		clock.Advance(d)
		return ctx.Err()
	}
}

// freePort returns a loopback port reserved for t that nothing listens on.
func freePort(t *testing.T) int {
	t.Helper()
	return testport.Free(t)
}

// redirectOf returns the redirect_uri parameter of an authorization URL.
func redirectOf(t *testing.T, authURL string) *url.URL {
	t.Helper()
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatalf("parse auth url: %v", err)
	}
	r, err := url.Parse(u.Query().Get("redirect_uri"))
	if err != nil {
		t.Fatalf("parse redirect_uri: %v", err)
	}
	return r
}

// claimsOf decodes a JWT's payload without verifying it.
func claimsOf(t *testing.T, jwt string) map[string]any {
	t.Helper()
	m, err := payloadOf(jwt)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// payloadOf decodes a JWT's payload without verifying it.
func payloadOf(jwt string) (map[string]any, error) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("not a JWT: %d parts", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("decode jwt payload: %w", err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("unmarshal jwt payload: %w", err)
	}
	return m, nil
}

// tamperSignature changes the last signature byte of a JWT.
func tamperSignature(jwt string) string {
	last := jwt[len(jwt)-2]
	repl := byte('A')
	if last == 'A' {
		repl = 'B'
	}
	return jwt[:len(jwt)-2] + string(repl) + jwt[len(jwt)-1:]
}

// rewriter is a RoundTripper that lets a test edit the JSON body of
// successful responses for one path (a hostile or broken IdP on the wire).
type rewriter struct {
	path string
	edit func(body map[string]any)
}

func (rw *rewriter) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil || req.URL.Path != rw.path || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	raw, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	body := map[string]any{}
	if err := json.Unmarshal(raw, &body); err != nil {
		return nil, err
	}
	rw.edit(body)
	out, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(out))
	resp.ContentLength = int64(len(out))
	resp.Header.Set("Content-Length", strconv.Itoa(len(out)))
	return resp, nil
}

// pollRecorder is a RoundTripper that records device-code polls and, when
// early is set, sends the first poll twice in a row (a client polling too
// fast), so the IdP answers the second with slow_down.
type pollRecorder struct {
	early bool
	// after, if set, runs after each recorded poll with its error code.
	after func(errorCode string)
	// now stamps the polls; default time.Now.
	now   func() time.Time
	mu    sync.Mutex
	polls []poll
}

type poll struct {
	at    time.Time
	error string
}

func (pr *pollRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Path != "/token" || req.Body == nil {
		return http.DefaultTransport.RoundTrip(req)
	}
	body, err := io.ReadAll(req.Body)
	_ = req.Body.Close()
	if err != nil {
		return nil, err
	}
	pr.mu.Lock()
	first := len(pr.polls) == 0
	pr.mu.Unlock()
	if first && pr.early {
		if _, err := pr.send(req, body); err != nil {
			return nil, err
		}
	}
	return pr.send(req, body)
}

// send performs one poll and records the OAuth error code it got.
func (pr *pollRecorder) send(req *http.Request, body []byte) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	at := time.Now()
	if pr.now != nil {
		at = pr.now()
	}
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var e struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(raw, &e)
	pr.mu.Lock()
	pr.polls = append(pr.polls, poll{at: at, error: e.Error})
	pr.mu.Unlock()
	if pr.after != nil {
		pr.after(e.Error)
	}
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	return resp, nil
}

func (pr *pollRecorder) recorded() []poll {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	return append([]poll(nil), pr.polls...)
}
