package idp_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/cred"
	"github.com/tip-cli/tip-cli/internal/idp"
)

// The tests in this file run our client against a real, OpenID Certified
// provider (npm oidc-provider, scripts/oidc-provider/server.mjs) when
// TIP_CLI_TEST_OIDC_PROVIDER_URL names its issuer; `bash .ci/run` (section
// oidc-provider) starts it. They are an independent check of the sandbox IdP
// the other tests use, as moto is for STS.

const (
	realProviderEnv      = "TIP_CLI_TEST_OIDC_PROVIDER_URL"
	realProviderClientID = "tip-cli-test" // registered in server.mjs
	realProviderSubject  = "alice"
	realProviderEmail    = "alice@example.com"
)

// realProviderIssuer returns the issuer of the running oidc-provider or
// skips the test.
func realProviderIssuer(t *testing.T) string {
	t.Helper()
	issuer := os.Getenv(realProviderEnv)
	if issuer == "" {
		t.Skipf("%s is not set: start scripts/oidc-provider/server.mjs (bash .ci/run does)", realProviderEnv)
	}
	return issuer
}

// realProviderClient is a client of the provider's public native client.
// The registered redirect is http://127.0.0.1/callback (and localhost); the
// provider ignores the loopback port (RFC 8252 §7.3), so port 0 works.
func realProviderClient(issuer, redirectURI string) *idp.Client {
	return &idp.Client{
		Issuer:      issuer,
		ClientID:    realProviderClientID,
		Scopes:      []string{"openid", "email", "profile", "offline_access"},
		RedirectURI: redirectURI,
		HTTPClient:  &http.Client{Timeout: 10 * time.Second},
	}
}

// cookieBrowser returns an OpenURL that acts as a browser without a
// screen: it keeps cookies (the provider ties /auth to its interaction and
// back with them), follows every redirect through the interaction to the
// loopback callback and wants the callback's page to be a 200.
func cookieBrowser(t *testing.T) func(ctx context.Context, authURL string) error {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatalf("cookie jar: %v", err)
	}
	hc := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	return func(ctx context.Context, authURL string) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
		if err != nil {
			return err
		}
		resp, err := hc.Do(req)
		if err != nil {
			return fmt.Errorf("browser: %w", err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/callback" {
			return fmt.Errorf("browser ended at %s %s with HTTP %d: %s",
				resp.Request.URL.Host, resp.Request.URL.Path, resp.StatusCode, body)
		}
		return nil
	}
}

// realProviderLogin signs alice in with c and fails the test on error.
func realProviderLogin(t *testing.T, c *idp.Client) *cred.Tokens {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tok, err := c.Login(ctx, idp.LoginOptions{OpenURL: cookieBrowser(t), Timeout: 20 * time.Second})
	if err != nil {
		t.Fatalf("Login against oidc-provider: %v", err)
	}
	return tok
}

// checkAlice checks tokens issued to alice, and verifies the ID token again
// through Verify.
func checkAlice(t *testing.T, c *idp.Client, tok *cred.Tokens) {
	t.Helper()
	if tok.Subject != realProviderSubject || tok.Email != realProviderEmail {
		t.Errorf("tokens for sub=%q email=%q, want %q %q", tok.Subject, tok.Email, realProviderSubject, realProviderEmail)
	}
	if tok.IDToken == "" || tok.AccessToken == "" || tok.RefreshToken == "" {
		t.Errorf("missing token: id %t, access %t, refresh %t (offline_access was requested)",
			tok.IDToken != "", tok.AccessToken != "", tok.RefreshToken != "")
	}
	if now := time.Now(); !tok.Expiry.After(now) || tok.Expiry.After(now.Add(24*time.Hour)) {
		t.Errorf("id token expiry %v is not within a day from now", tok.Expiry)
	}
	cl, err := c.Verify(context.Background(), tok.IDToken, "")
	if err != nil {
		t.Fatalf("Verify the provider's id token: %v", err)
	}
	if cl.Issuer != c.Issuer || cl.Subject != realProviderSubject || cl.Email != realProviderEmail ||
		len(cl.Audience) != 1 || cl.Audience[0] != realProviderClientID {
		t.Errorf("verified claims iss=%q sub=%q email=%q aud=%q", cl.Issuer, cl.Subject, cl.Email, cl.Audience)
	}
	if _, err := c.Verify(context.Background(), tok.AccessToken, ""); err == nil {
		t.Error("Verify accepted the opaque access token as an id token")
	}
}

func TestRealProviderLogin(t *testing.T) {
	issuer := realProviderIssuer(t)
	for _, redirect := range []string{
		"http://127.0.0.1:0/callback", // the port is not registered: RFC 8252 §7.3
		"http://localhost:0/callback",
	} {
		t.Run(redirect, func(t *testing.T) {
			c := realProviderClient(issuer, redirect)
			checkAlice(t, c, realProviderLogin(t, c))
		})
	}
}

func TestRealProviderLoginUnregisteredRedirect(t *testing.T) {
	c := realProviderClient(realProviderIssuer(t), "http://127.0.0.1:0/elsewhere")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The provider must not redirect to an unregistered URI: it shows an
	// error page, so the browser never reaches the callback.
	_, err := c.Login(ctx, idp.LoginOptions{OpenURL: cookieBrowser(t), Timeout: 20 * time.Second})
	if err == nil {
		t.Fatal("Login with an unregistered redirect path succeeded")
	}
	t.Logf("as expected: %v", err)
}

// wantInvalidGrant wants a *idp.RefreshError with code invalid_grant.
func wantInvalidGrant(t *testing.T, what string, err error) {
	t.Helper()
	var re *idp.RefreshError
	if !errors.As(err, &re) || re.Code != "invalid_grant" {
		t.Fatalf("%s: got %v (%T), want *idp.RefreshError invalid_grant", what, err, err)
	}
}

func TestRealProviderRefreshRotation(t *testing.T) {
	c := realProviderClient(realProviderIssuer(t), "http://127.0.0.1:0/callback")
	first := realProviderLogin(t, c)
	ctx := context.Background()

	second, err := c.Refresh(ctx, first)
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	checkAlice(t, c, second)
	if second.RefreshToken == first.RefreshToken {
		t.Error("the provider rotates refresh tokens but Refresh returned the old one")
	}
	if second.IDToken == first.IDToken {
		t.Error("Refresh returned the same id token, want a fresh one")
	}

	third, err := c.Refresh(ctx, second)
	if err != nil {
		t.Fatalf("Refresh with the rotated refresh token: %v", err)
	}
	checkAlice(t, c, third)

	// Replaying a used refresh token fails, and the provider revokes the
	// whole grant: the newest refresh token dies with it.
	_, err = c.Refresh(ctx, first)
	wantInvalidGrant(t, "Refresh with a used refresh token", err)
	_, err = c.Refresh(ctx, third)
	wantInvalidGrant(t, "Refresh after a replay revoked the grant", err)

	_, err = c.Refresh(ctx, &cred.Tokens{RefreshToken: "not-a-refresh-token"})
	wantInvalidGrant(t, "Refresh with an unknown refresh token", err)
}

// TestRealProviderDevicePolling polls the provider's token endpoint with a
// device code nobody approves: the provider must answer
// authorization_pending (not invalid_request or invalid_client) to the
// request pollDevice builds, and the poller must keep waiting the announced
// interval until the context ends.
func TestRealProviderDevicePolling(t *testing.T) {
	issuer := realProviderIssuer(t)
	c := realProviderClient(issuer, "http://127.0.0.1:0/callback")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var sleeps []time.Duration
	sleep := func(ctx context.Context, d time.Duration) error {
		sleeps = append(sleeps, d)
		if len(sleeps) == 3 {
			cancel()
		}
		return ctx.Err()
	}
	var userCode string
	_, err := c.LoginDevice(ctx, idp.DeviceOptions{Show: func(_, code, _ string) { userCode = code }, Sleep: sleep})
	if userCode == "" || !errors.Is(err, context.Canceled) {
		t.Fatalf("user code %q, err = %v, want a code and sign-in cancelled after two pending polls", userCode, err)
	}
	if len(sleeps) != 3 || sleeps[0] != sleeps[1] || sleeps[0] < time.Second {
		t.Fatalf("waits = %v, want the announced interval before each of two polls", sleeps)
	}
}

// TestRealProviderStrayCallbacks: requests without the sign-in's state
// arriving at the callback before the provider's real redirect do not end
// the sign-in; the provider's redirect then completes it.
func TestRealProviderStrayCallbacks(t *testing.T) {
	issuer := realProviderIssuer(t)
	c := realProviderClient(issuer, "http://127.0.0.1:0/callback")
	browse := cookieBrowser(t)
	open := func(ctx context.Context, authURL string) error {
		au, err := url.Parse(authURL)
		if err != nil {
			return err
		}
		for _, q := range []string{"error=access_denied", "error=access_denied&state=forged", "code=x&state=forged"} {
			resp, err := http.Get(au.Query().Get("redirect_uri") + "?" + q)
			if err != nil {
				return err
			}
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest {
				return fmt.Errorf("stray %q: HTTP %d, want 400", q, resp.StatusCode)
			}
		}
		return browse(ctx, authURL)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tok, err := c.Login(ctx, idp.LoginOptions{OpenURL: open, Timeout: 20 * time.Second})
	if err != nil {
		t.Fatalf("Login after stray callbacks: %v", err)
	}
	checkAlice(t, c, tok)
}
