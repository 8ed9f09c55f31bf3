package idp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/sandbox/idpemu"
)

// tamperingBrowser follows the authorization request by hand and delivers
// the callback with a different state; page receives the callback page.
func tamperingBrowser(page *string) func(ctx context.Context, authURL string) error {
	return func(ctx context.Context, authURL string) error {
		hc := &http.Client{
			Timeout:       10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
		resp, err := hc.Get(authURL)
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		cb, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || cb.Query().Get("code") == "" {
			return fmt.Errorf("idp did not redirect with a code (status %d)", resp.StatusCode)
		}
		q := cb.Query()
		q.Set("state", "forged-"+q.Get("state"))
		cb.RawQuery = q.Encode()
		resp, err = hc.Get(cb.String())
		if err != nil {
			return err
		}
		defer func() { _ = resp.Body.Close() }()
		b, _ := io.ReadAll(resp.Body)
		*page = string(b)
		return nil
	}
}

func TestLogin(t *testing.T) {
	t.Parallel()
	closedPort := freePort(t)
	tests := []struct {
		name  string
		setup func(idp *idpemu.IdP, c *Client, o *LoginOptions, cancel context.CancelFunc)
		check func(t *testing.T, idp *idpemu.IdP, err error)
	}{
		{
			name: "state mismatch keeps waiting",
			setup: func(_ *idpemu.IdP, _ *Client, o *LoginOptions, _ context.CancelFunc) {
				var page string
				open := tamperingBrowser(&page)
				o.Timeout = 500 * time.Millisecond
				o.OpenURL = func(ctx context.Context, u string) error {
					if err := open(ctx, u); err != nil {
						return err
					}
					if !strings.Contains(page, "still waiting") {
						return fmt.Errorf("callback page does not say the sign-in goes on: %q", page)
					}
					return nil
				}
			},
			check: func(t *testing.T, idp *idpemu.IdP, err error) {
				var te *timeoutError
				if !errors.As(err, &te) || te.Refused != 1 {
					t.Fatalf("err = %#v, want *timeoutError with 1 refused callback", err)
				}
				if want := "timed out after 500ms waiting for the browser sign-in (1 callback request without this sign-in's state was refused)"; err.Error() != want {
					t.Errorf("message = %q, want %q", err, want)
				}
				if n := idp.Counts()["token:authorization_code"]; n != 0 {
					t.Errorf("code exchanged %d times despite the state mismatch", n)
				}
			},
		},
		{
			name: "idp error access_denied",
			setup: func(idp *idpemu.IdP, _ *Client, _ *LoginOptions, _ context.CancelFunc) {
				idp.DenyNext("access_denied")
			},
			check: func(t *testing.T, _ *idpemu.IdP, err error) {
				var ce *callbackError
				if !errors.As(err, &ce) || ce.Code != "access_denied" {
					t.Fatalf("err = %v, want *callbackError access_denied", err)
				}
				want := "sign-in was refused by the identity provider: access_denied: the user denied the request"
				if err.Error() != want {
					t.Errorf("message = %q, want %q", err, want)
				}
			},
		},
		{
			name: "idp unreachable",
			setup: func(_ *idpemu.IdP, c *Client, _ *LoginOptions, _ context.CancelFunc) {
				c.Issuer = fmt.Sprintf("http://127.0.0.1:%d", closedPort)
			},
			check: func(t *testing.T, _ *idpemu.IdP, err error) {
				var de *discoveryError
				if !errors.As(err, &de) {
					t.Fatalf("err = %v, want *discoveryError", err)
				}
				if !strings.HasPrefix(err.Error(), fmt.Sprintf("cannot reach identity provider at http://127.0.0.1:%d: ", closedPort)) {
					t.Errorf("message = %q", err)
				}
			},
		},
		{
			name: "timeout",
			setup: func(_ *idpemu.IdP, _ *Client, o *LoginOptions, _ context.CancelFunc) {
				o.OpenURL = func(context.Context, string) error { return nil } // the user never signs in
				o.Timeout = 300 * time.Millisecond
			},
			check: func(t *testing.T, _ *idpemu.IdP, err error) {
				var te *timeoutError
				if !errors.As(err, &te) || !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("err = %v, want *timeoutError matching DeadlineExceeded", err)
				}
				if want := "timed out after 300ms waiting for the browser sign-in"; err.Error() != want {
					t.Errorf("message = %q, want %q", err, want)
				}
			},
		},
		{
			name: "ctx cancelled (ctrl-c) while waiting",
			setup: func(_ *idpemu.IdP, _ *Client, o *LoginOptions, cancel context.CancelFunc) {
				o.OpenURL = func(context.Context, string) error {
					time.AfterFunc(50*time.Millisecond, cancel)
					return nil
				}
			},
			check: func(t *testing.T, _ *idpemu.IdP, err error) {
				if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "sign-in cancelled") {
					t.Fatalf("err = %v, want sign-in cancelled wrapping context.Canceled", err)
				}
			},
		},
		{
			name: "opener fails",
			setup: func(_ *idpemu.IdP, _ *Client, o *LoginOptions, _ context.CancelFunc) {
				o.OpenURL = func(context.Context, string) error { return errors.New("no display") }
			},
			check: func(t *testing.T, _ *idpemu.IdP, err error) {
				if err == nil || err.Error() != "open the browser for sign-in: no display" {
					t.Fatalf("err = %v", err)
				}
			},
		},
		{
			name: "redirect off loopback",
			setup: func(_ *idpemu.IdP, c *Client, o *LoginOptions, _ context.CancelFunc) {
				c.RedirectURI = "http://example.com:8090/callback"
				o.OpenURL = func(context.Context, string) error { return errors.New("opener must not run") }
			},
			check: func(t *testing.T, _ *idpemu.IdP, err error) {
				if err == nil || !strings.Contains(err.Error(), "must use localhost, 127.0.0.1 or [::1]") {
					t.Fatalf("err = %v", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			idp := newSandbox(t, idpemu.IdPOptions{Now: testNow})
			c := newClient(idp, testNow)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			o := LoginOptions{OpenURL: browser(), Timeout: 10 * time.Second}
			tt.setup(idp, c, &o, cancel)
			toks, err := c.Login(ctx, o)
			if toks != nil {
				t.Errorf("tokens returned with error %v", err)
			}
			tt.check(t, idp, err)
		})
	}
}

func TestLoginSuccess(t *testing.T) {
	t.Parallel()
	idp := newSandbox(t, idpemu.IdPOptions{Now: testNow})
	c := newClient(idp, testNow)
	var authURL string
	open := func(ctx context.Context, u string) error {
		authURL = u
		// The listener must already accept connections when the browser opens.
		conn, err := net.DialTimeout("tcp", redirectOf(t, u).Host, time.Second)
		if err != nil {
			return fmt.Errorf("callback listener not bound before OpenURL: %w", err)
		}
		_ = conn.Close()
		return idpemu.FakeBrowser(ctx, nil, u)
	}
	toks, err := c.Login(t.Context(), LoginOptions{OpenURL: open})
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	au, err := url.Parse(authURL)
	if err != nil {
		t.Fatal(err)
	}
	q := au.Query()
	for k, want := range map[string]string{
		"response_type": "code", "client_id": idp.ClientID(), "code_challenge_method": "S256",
		"scope": "openid email profile offline_access",
	} {
		if got := q.Get(k); got != want {
			t.Errorf("auth url %s = %q, want %q", k, got, want)
		}
	}
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if len(q.Get(k)) != 43 { // 32 random bytes, base64url
			t.Errorf("auth url %s has length %d, want 43", k, len(q.Get(k)))
		}
	}
	if toks.IDToken == "" || toks.AccessToken == "" || toks.RefreshToken == "" {
		t.Fatalf("missing tokens: id %t access %t refresh %t", toks.IDToken != "", toks.AccessToken != "", toks.RefreshToken != "")
	}
	if toks.Subject != "00u-alice" || toks.Email != "alice@example.com" {
		t.Errorf("subject, email = %q, %q", toks.Subject, toks.Email)
	}
	if want := testNow().Add(time.Hour); !toks.Expiry.Equal(want) {
		t.Errorf("expiry = %v, want the id token exp %v", toks.Expiry, want)
	}
	if !toks.IssuedAt.Equal(testNow()) {
		t.Errorf("issued at = %v, want %v", toks.IssuedAt, testNow())
	}
	if got := claimsOf(t, toks.IDToken)["nonce"]; got != q.Get("nonce") {
		t.Errorf("id token nonce = %v, want the request's", got)
	}
	if n := idp.Counts()["token:authorization_code"]; n != 1 {
		t.Errorf("code exchanges = %d, want 1", n)
	}
}

// TestLoginRejectsBadIDToken has the token endpoint's answer altered on the
// wire: Login must verify the ID token and its nonce before returning.
func TestLoginRejectsBadIDToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		forge   func(idp *idpemu.IdP, orig string, nonce any) (string, error)
		wantErr string
	}{
		{"wrong signature", func(_ *idpemu.IdP, orig string, _ any) (string, error) {
			return tamperSignature(orig), nil
		}, "failed verification: failed to verify signature"},
		{"wrong audience", func(idp *idpemu.IdP, _ string, nonce any) (string, error) {
			return idp.MintIDToken("alice@example.com", func(m map[string]any) { m["nonce"], m["aud"] = nonce, "someone-else" })
		}, `expected audience "tip-cli-sandbox"`},
		{"expired", func(idp *idpemu.IdP, _ string, nonce any) (string, error) {
			return idp.MintIDToken("alice@example.com", func(m map[string]any) {
				m["nonce"], m["exp"] = nonce, testNow().Add(-time.Minute).Unix()
			})
		}, "token is expired"},
		{"wrong issuer", func(idp *idpemu.IdP, _ string, nonce any) (string, error) {
			return idp.MintIDToken("alice@example.com", func(m map[string]any) { m["nonce"], m["iss"] = nonce, "https://evil.example" })
		}, "issued by a different provider"},
		{"wrong nonce", func(idp *idpemu.IdP, _ string, _ any) (string, error) {
			return idp.MintIDToken("alice@example.com", func(m map[string]any) { m["nonce"] = "replayed" })
		}, "nonce does not match this sign-in"},
		{"no nonce", func(idp *idpemu.IdP, _ string, _ any) (string, error) {
			return idp.MintIDToken("alice@example.com", nil)
		}, "nonce does not match this sign-in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			idp := newSandbox(t, idpemu.IdPOptions{Now: testNow})
			c := newClient(idp, testNow)
			var forgeErr error
			c.HTTPClient = &http.Client{Timeout: 10 * time.Second, Transport: &rewriter{path: "/token", edit: func(b map[string]any) {
				orig, _ := b["id_token"].(string)
				claims, err := payloadOf(orig)
				if err != nil {
					forgeErr = err
					return
				}
				b["id_token"], forgeErr = tt.forge(idp, orig, claims["nonce"])
			}}}
			var page atomic.Value
			open := func(ctx context.Context, u string) error {
				err := idpemu.FakeBrowser(ctx, nil, u)
				page.Store(fmt.Sprint(err))
				return err
			}
			toks, err := c.Login(t.Context(), LoginOptions{OpenURL: open})
			if forgeErr != nil {
				t.Fatal(forgeErr)
			}
			if toks != nil || err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("login = %v, %v; want error containing %q", toks != nil, err, tt.wantErr)
			}
			if p := page.Load().(string); !strings.Contains(p, "status 400") || !strings.Contains(p, "Sign-in failed") {
				t.Errorf("browser saw %q, want the failure page", p)
			}
		})
	}
}

// TestLoginBackToBackSamePort runs two sign-ins on one fixed port, the
// second right after the first returns: the server must be fully shut down
// and the port re-bindable at once (SO_REUSEADDR, no TIME_WAIT wait).
func TestLoginBackToBackSamePort(t *testing.T) {
	t.Parallel()
	idp := newSandbox(t, idpemu.IdPOptions{Now: testNow})
	port := freePort(t)
	for i := range 3 {
		c := newClient(idp, testNow)
		c.RedirectURI = fmt.Sprintf("http://localhost:%d/callback", port)
		toks, err := c.Login(t.Context(), LoginOptions{OpenURL: browser(), Timeout: 10 * time.Second})
		if err != nil {
			t.Fatalf("login %d: %v", i+1, err)
		}
		if toks.Subject != "00u-alice" {
			t.Fatalf("login %d: subject %q", i+1, toks.Subject)
		}
		// Login has returned: nothing may still hold the port.
		l, err := net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			t.Fatalf("after login %d the port is still held: %v", i+1, err)
		}
		_ = l.Close()
	}
}

func TestLoginPortInUse(t *testing.T) {
	t.Parallel()
	idp := newSandbox(t, idpemu.IdPOptions{Now: testNow})
	busy, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = busy.Close() }()
	port := busy.Addr().(*net.TCPAddr).Port
	c := newClient(idp, testNow)
	c.RedirectURI = fmt.Sprintf("http://localhost:%d/callback", port)
	opened := false
	_, err = c.Login(t.Context(), LoginOptions{OpenURL: func(context.Context, string) error { opened = true; return nil }})
	if want := fmt.Sprintf("port %d is in use", port); err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("err = %v, want prefix %q", err, want)
	}
	if opened {
		t.Error("browser opened although the callback port could not be bound")
	}
}

// TestLoginSurvivesStrayCallbacks sends what another local program could
// send to the callback before the real redirect arrives: an IdP error
// without state, one with a forged state, a code with a forged state and
// a bare request. Each gets a 400 page; the sign-in then completes.
func TestLoginSurvivesStrayCallbacks(t *testing.T) {
	t.Parallel()
	idp := newSandbox(t, idpemu.IdPOptions{Now: testNow})
	c := newClient(idp, testNow)
	open := func(ctx context.Context, u string) error {
		cb := redirectOf(t, u)
		for _, q := range []string{"error=access_denied", "error=access_denied&state=forged", "code=x&state=forged", ""} {
			stray := *cb
			stray.RawQuery = q
			resp, err := http.Get(stray.String())
			if err != nil {
				return err
			}
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest {
				return fmt.Errorf("stray %q: status %d, want 400", q, resp.StatusCode)
			}
		}
		return idpemu.FakeBrowser(ctx, nil, u)
	}
	toks, err := c.Login(t.Context(), LoginOptions{OpenURL: open, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("login after stray callbacks: %v", err)
	}
	if toks.Subject != "00u-alice" {
		t.Errorf("subject = %q", toks.Subject)
	}
}
