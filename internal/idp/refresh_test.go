package idp

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/cred"
	"github.com/tip-cli/tip-cli/internal/sandbox/idpemu"
)

// signIn returns the tokens of a successful browser sign-in.
func signIn(t *testing.T, idp *idpemu.IdP, c *Client) *cred.Tokens {
	t.Helper()
	toks, err := c.Login(t.Context(), LoginOptions{OpenURL: browser(), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	return toks
}

func wantRefreshError(t *testing.T, err error, code string) {
	t.Helper()
	var re *RefreshError
	if !errors.As(err, &re) || re.Code != code {
		t.Fatalf("err = %v, want *RefreshError %s", err, code)
	}
	if !strings.HasSuffix(err.Error(), ": sign in again") {
		t.Errorf("message %q does not say to sign in again", err)
	}
}

func TestRefreshRotation(t *testing.T) {
	t.Parallel()
	idp := newSandbox(t, idpemu.IdPOptions{Now: testNow})
	c := newClient(idp, testNow)
	first := signIn(t, idp, c)

	second, err := c.Refresh(t.Context(), first)
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if second.RefreshToken == "" || second.RefreshToken == first.RefreshToken {
		t.Fatal("refresh did not return the rotated refresh token")
	}
	if second.IDToken == first.IDToken {
		t.Error("refresh returned the old id token")
	}
	if second.Subject != "00u-alice" || second.Email != "alice@example.com" || !second.IssuedAt.Equal(testNow()) {
		t.Errorf("refreshed tokens = %q %q %v", second.Subject, second.Email, second.IssuedAt)
	}
	if _, ok := claimsOf(t, second.IDToken)["nonce"]; ok {
		t.Error("refreshed id token unexpectedly carries a nonce")
	}

	// The rotated-out token is dead; replaying it revokes the whole grant.
	_, err = c.Refresh(t.Context(), first)
	wantRefreshError(t, err, "invalid_grant")
	_, err = c.Refresh(t.Context(), second)
	wantRefreshError(t, err, "invalid_grant")
	if n := idp.Counts()["token:refresh_token"]; n != 3 {
		t.Errorf("refresh requests = %d, want 3", n)
	}
}

func TestRefreshErrors(t *testing.T) {
	t.Parallel()
	closedPort := freePort(t)
	tests := []struct {
		name  string
		setup func(idp *idpemu.IdP, c *Client, rt *string)
		check func(t *testing.T, toks *cred.Tokens, err error, rt string)
	}{
		{
			name:  "revoked grant",
			setup: func(idp *idpemu.IdP, _ *Client, _ *string) { idp.RevokeAll() },
			check: func(t *testing.T, _ *cred.Tokens, err error, _ string) { wantRefreshError(t, err, "invalid_grant") },
		},
		{
			name:  "unknown refresh token",
			setup: func(_ *idpemu.IdP, _ *Client, rt *string) { *rt = "not-a-refresh-token" },
			check: func(t *testing.T, _ *cred.Tokens, err error, _ string) { wantRefreshError(t, err, "invalid_grant") },
		},
		{
			name:  "no refresh token stored",
			setup: func(_ *idpemu.IdP, _ *Client, rt *string) { *rt = "" },
			check: func(t *testing.T, _ *cred.Tokens, err error, _ string) { wantRefreshError(t, err, "no_refresh_token") },
		},
		{
			name: "no id token in the answer",
			setup: func(_ *idpemu.IdP, c *Client, _ *string) {
				c.HTTPClient = &http.Client{Transport: &rewriter{path: "/token", edit: func(b map[string]any) { delete(b, "id_token") }}}
			},
			check: func(t *testing.T, _ *cred.Tokens, err error, _ string) { wantRefreshError(t, err, "no_id_token") },
		},
		{
			name: "idp does not rotate: the old refresh token is kept",
			setup: func(_ *idpemu.IdP, c *Client, _ *string) {
				c.HTTPClient = &http.Client{Transport: &rewriter{path: "/token", edit: func(b map[string]any) { delete(b, "refresh_token") }}}
			},
			check: func(t *testing.T, toks *cred.Tokens, err error, rt string) {
				if err != nil || toks.RefreshToken != rt {
					t.Fatalf("refresh = %v; refresh token kept: %t", err, err == nil && toks.RefreshToken == rt)
				}
			},
		},
		{
			name: "expired id token on refresh",
			setup: func(idp *idpemu.IdP, c *Client, _ *string) {
				c.HTTPClient = &http.Client{Transport: &rewriter{path: "/token", edit: func(b map[string]any) {
					b["id_token"], _ = idp.MintIDToken("alice@example.com", func(m map[string]any) { m["exp"] = testNow().Add(-time.Second).Unix() })
				}}}
			},
			check: func(t *testing.T, _ *cred.Tokens, err error, _ string) {
				if err == nil || !strings.Contains(err.Error(), "token is expired") {
					t.Fatalf("err = %v, want an expired id token error", err)
				}
			},
		},
		{
			name: "issuer unreachable",
			setup: func(_ *idpemu.IdP, c *Client, _ *string) {
				c.Issuer = fmt.Sprintf("http://127.0.0.1:%d", closedPort)
			},
			check: func(t *testing.T, _ *cred.Tokens, err error, _ string) {
				var de *discoveryError
				if !errors.As(err, &de) {
					t.Fatalf("err = %v, want *discoveryError", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			idp := newSandbox(t, idpemu.IdPOptions{Now: testNow})
			c := newClient(idp, testNow)
			rt := signIn(t, idp, c).RefreshToken
			tt.setup(idp, c, &rt)
			toks, err := c.Refresh(t.Context(), &cred.Tokens{RefreshToken: rt})
			if err != nil && toks != nil {
				t.Error("tokens returned with an error")
			}
			tt.check(t, toks, err, rt)
		})
	}
}

// TestRefreshServerError checks that a token endpoint failure without an
// OAuth error code is not mistaken for "sign in again", and that its body
// never reaches the message.
func TestRefreshServerError(t *testing.T) {
	t.Parallel()
	idp := newSandbox(t, idpemu.IdPOptions{Now: testNow})
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "<html>upstream secret-looking body\n</html>", http.StatusBadGateway)
	}))
	defer broken.Close()
	c := newClient(idp, testNow)
	c.HTTPClient = &http.Client{Transport: &rewriter{path: "/.well-known/openid-configuration", edit: func(b map[string]any) {
		b["token_endpoint"] = broken.URL + "/token"
	}}}
	_, err := c.Refresh(t.Context(), &cred.Tokens{RefreshToken: "some-refresh-token"})
	var re *RefreshError
	if err == nil || errors.As(err, &re) {
		t.Fatalf("err = %v, want a plain error", err)
	}
	if want := "refresh the sign-in: the identity provider answered HTTP 502"; err.Error() != want {
		t.Errorf("message = %q, want %q", err, want)
	}
}
