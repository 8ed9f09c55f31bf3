package app

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestRealProviderKilledDuringRefresh is the rotation hazard of issue 22
// against the certified IdP, whose refresh tokens rotate on every use and
// whose reuse detection revokes the whole grant: tip-cli is SIGKILLed
// after oidc-provider rotated the refresh token and before tip-cli got the
// answer (server.mjs --test-hooks holds it). The next call must not
// present the old token; it asks for a sign-in, and the IdP saw no reuse.
// Then the test presents the old token itself, to show what that would
// have done: refused, and the rotated token dead with its grant.
func TestRealProviderKilledDuringRefresh(t *testing.T) {
	t.Parallel()
	issuer := realProviderIssuer(t)
	k := realProviderKit(t, issuer)
	c := &chainRun{t: t, k: k}
	if r := c.run("sign-in", 1, "auth", "--timeout", "30s")[0]; r.code != 0 {
		t.FailNow()
	}
	expire(t, k)
	b, err := k.Store.Get(context.Background(), "default")
	if err != nil || b == nil || b.IdP == nil || b.IdP.RefreshToken == "" {
		t.Fatalf("no refresh token after sign-in: %v", err)
	}
	hooks := realProviderHooks{t: t, issuer: issuer, token: b.IdP.RefreshToken}
	hooks.call(http.MethodPost, "hold")

	// The IdP has rotated and holds its answer until release, so the kill
	// lands between the rotation and tip-cli's receipt, every time.
	killMidRefresh(t, k, func() bool {
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if hooks.state().Held {
				return true
			}
		}
		return false
	})
	hooks.call(http.MethodPost, "release")

	assertSignInRequested(t, k)
	st := hooks.state()
	if st.Reused != 0 {
		t.Errorf("tip-cli presented the rotated-away refresh token again %d times (oidc-provider revoked the grant)", st.Reused)
	}
	if st.Rotated == "" {
		t.Fatal("the held answer carried no rotated refresh token")
	}

	// What a replay does at this IdP: refused, and the grant revoked, so
	// even the rotated token (had tip-cli received it) is dead.
	endpoint := realProviderTokenEndpoint(t, issuer)
	if code := realProviderRefresh(t, endpoint, hooks.token); code != "invalid_grant" {
		t.Errorf("replayed refresh token: error %q, want invalid_grant", code)
	}
	if n := hooks.state().Reused; n != 1 {
		t.Errorf("oidc-provider counted %d reuses of the replayed token, want 1", n)
	}
	if code := realProviderRefresh(t, endpoint, st.Rotated); code != "invalid_grant" {
		t.Errorf("rotated token after the replay: error %q, want invalid_grant (grant revoked)", code)
	}

	// A new sign-in recovers.
	c.run("sign-in after the kill", 1, "auth", "--timeout", "30s")
	c.run("call after the new sign-in", 1, "auth", "get-iam-credentials", "--non-interactive")
}

// realProviderHooks drives server.mjs's /__test/ hooks for one refresh
// token.
type realProviderHooks struct {
	t      *testing.T
	issuer string
	token  string
}

type realProviderHookState struct {
	Held    bool   `json:"held"`
	Rotated string `json:"rotated"`
	Reused  int    `json:"reused"`
}

func (h realProviderHooks) call(method, hook string) []byte {
	h.t.Helper()
	u, err := url.Parse(h.issuer)
	if err != nil {
		h.t.Fatal(err)
	}
	u.Path, u.RawQuery = "/__test/"+hook, url.Values{"token": {h.token}}.Encode()
	req, err := http.NewRequest(method, u.String(), nil)
	if err != nil {
		h.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, hook, err)
	}
	defer resp.Body.Close()
	var body json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		h.t.Fatalf("%s %s: %s %s %v (is server.mjs running with --test-hooks?)", method, hook, resp.Status, body, err)
	}
	return body
}

func (h realProviderHooks) state() realProviderHookState {
	h.t.Helper()
	var st realProviderHookState
	if err := json.Unmarshal(h.call(http.MethodGet, "state"), &st); err != nil {
		h.t.Fatal(err)
	}
	return st
}

// realProviderTokenEndpoint reads the token endpoint from discovery.
func realProviderTokenEndpoint(t *testing.T, issuer string) string {
	t.Helper()
	resp, err := http.Get(strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d struct {
		TokenEndpoint string `json:"token_endpoint"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil || d.TokenEndpoint == "" {
		t.Fatalf("discovery: %v", err)
	}
	return d.TokenEndpoint
}

// realProviderRefresh presents refreshToken as tip-cli's client would and
// returns the OAuth error code ("" when the refresh succeeded).
func realProviderRefresh(t *testing.T, endpoint, refreshToken string) string {
	t.Helper()
	resp, err := http.PostForm(endpoint, url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}, "client_id": {realProviderClientID},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Error string `json:"error"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	if resp.StatusCode == http.StatusOK {
		return ""
	}
	return body.Error
}
