package idpemu

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/tip-cli/tip-cli/internal/testclock"
	"github.com/tip-cli/tip-cli/internal/testkey"
)

// idpTestClock is the shared settable test clock.
type idpTestClock = testclock.Clock

func idpNewClock() *idpTestClock {
	return testclock.New(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
}

// idpStart starts an IdP closed at test end.
func idpStart(t *testing.T, opts IdPOptions) *IdP {
	t.Helper()
	if opts.Key == nil {
		opts.Key = testkey.RSA(t)
	}
	i, err := NewIdP(opts)
	if err != nil {
		t.Fatalf("NewIdP: %v", err)
	}
	t.Cleanup(i.Close)
	return i
}

// idpClient is a relying party built from real x/oauth2 and go-oidc
// clients, with a loopback callback server recording what it receives.
type idpClient struct {
	idp      *IdP
	provider *oidc.Provider
	cfg      *oauth2.Config
	verifier *oidc.IDTokenVerifier
	callback chan url.Values
}

// idpNewClient discovers the IdP and starts a callback server; host is
// "localhost" or "127.0.0.1".
func idpNewClient(t *testing.T, i *IdP, now func() time.Time, host string) *idpClient {
	t.Helper()
	ctx := context.Background()
	provider, err := oidc.NewProvider(ctx, i.Issuer())
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	c := &idpClient{idp: i, provider: provider, callback: make(chan url.Values, 4)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" {
			http.NotFound(w, r)
			return
		}
		c.callback <- r.URL.Query()
		_, _ = w.Write([]byte("signed in"))
	}))
	t.Cleanup(srv.Close)
	redirect := "http://" + host + ":" + srv.URL[strings.LastIndex(srv.URL, ":")+1:] + "/callback"
	c.cfg = &oauth2.Config{
		ClientID:    i.ClientID(),
		Endpoint:    provider.Endpoint(),
		RedirectURL: redirect,
		Scopes:      []string{oidc.ScopeOpenID, "email", "profile", oidc.ScopeOfflineAccess},
	}
	c.cfg.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	c.verifier = provider.Verifier(&oidc.Config{ClientID: i.ClientID(), Now: now})
	return c
}

// idpSignIn runs the browser leg and returns the verifier, nonce, state and
// the callback query.
type idpSignIn struct {
	verifier, nonce, state string
	query                  url.Values
}

func (c *idpClient) signIn(t *testing.T, opts ...oauth2.AuthCodeOption) idpSignIn {
	t.Helper()
	s := idpSignIn{verifier: oauth2.GenerateVerifier(), nonce: idpRandom(16), state: idpRandom(16)}
	opts = append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(s.verifier), oidc.Nonce(s.nonce)}, opts...)
	if err := FakeBrowser(context.Background(), nil, c.cfg.AuthCodeURL(s.state, opts...)); err != nil {
		t.Fatalf("FakeBrowser: %v", err)
	}
	select {
	case s.query = <-c.callback:
	case <-time.After(5 * time.Second):
		t.Fatal("callback not reached")
	}
	return s
}

// login signs in and exchanges the code.
func (c *idpClient) login(t *testing.T) *oauth2.Token {
	t.Helper()
	s := c.signIn(t)
	tok, err := c.cfg.Exchange(context.Background(), s.query.Get("code"), oauth2.VerifierOption(s.verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	return tok
}

// verify checks the ID token of tok and returns its claims.
func (c *idpClient) verify(t *testing.T, tok *oauth2.Token) (*oidc.IDToken, map[string]any) {
	t.Helper()
	raw, _ := tok.Extra("id_token").(string)
	idt, err := c.verifier.Verify(context.Background(), raw)
	if err != nil {
		t.Fatalf("verify id token: %v", err)
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		t.Fatalf("claims: %v", err)
	}
	return idt, claims
}

// refresh presents a refresh token through the x/oauth2 token source.
func (c *idpClient) refresh(rt string) (*oauth2.Token, error) {
	return c.cfg.TokenSource(context.Background(), &oauth2.Token{RefreshToken: rt}).Token()
}

// idpErrCode returns the OAuth error code of an x/oauth2 error, or "".
func idpErrCode(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return re.ErrorCode
	}
	return ""
}

// idpPost posts a form and decodes the JSON answer.
func idpPost(t *testing.T, endpoint string, form url.Values) (*http.Response, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(endpoint, form)
	if err != nil {
		t.Fatalf("post %s: %v", endpoint, err)
	}
	defer func() { _ = resp.Body.Close() }()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("decode %s: %v", endpoint, err)
	}
	return resp, body
}

// idpNoRedirect is a client that returns redirects instead of following.
func idpNoRedirect() *http.Client {
	return &http.Client{
		Timeout:       5 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
