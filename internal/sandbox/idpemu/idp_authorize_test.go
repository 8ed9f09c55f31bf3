package idpemu

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// idpAuthorizeQuery is a valid authorization request for i.
func idpAuthorizeQuery(i *IdP) url.Values {
	return url.Values{
		"response_type":         {"code"},
		"client_id":             {i.ClientID()},
		"redirect_uri":          {"http://localhost:8090/callback"},
		"scope":                 {"openid email offline_access"},
		"state":                 {"st"},
		"nonce":                 {"no"},
		"code_challenge":        {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"},
		"code_challenge_method": {"S256"},
	}
}

func TestIdPAuthorizeRedirectsErrors(t *testing.T) {
	t.Parallel()
	i := idpStart(t, IdPOptions{})
	tests := []struct {
		name      string
		change    func(q url.Values)
		wantError string // "" means a code
	}{
		{"valid", func(url.Values) {}, ""},
		{"valid ipv6 loopback", func(q url.Values) { q.Set("redirect_uri", "http://[::1]:8090/cb?keep=1") }, ""},
		{"missing code_challenge", func(q url.Values) { q.Del("code_challenge") }, "invalid_request"},
		{"plain PKCE", func(q url.Values) { q.Set("code_challenge_method", "plain") }, "invalid_request"},
		{"missing PKCE method", func(q url.Values) { q.Del("code_challenge_method") }, "invalid_request"},
		{"malformed challenge", func(q url.Values) { q.Set("code_challenge", "short") }, "invalid_request"},
		{"missing state", func(q url.Values) { q.Del("state") }, "invalid_request"},
		{"missing nonce", func(q url.Values) { q.Del("nonce") }, "invalid_request"},
		{"no openid scope", func(q url.Values) { q.Set("scope", "email") }, "invalid_scope"},
		{"unknown scope", func(q url.Values) { q.Set("scope", "openid admin") }, "invalid_scope"},
		{"implicit flow", func(q url.Values) { q.Set("response_type", "token") }, "unsupported_response_type"},
		{"repeated state", func(q url.Values) { q["state"] = []string{"a", "b"} }, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := idpAuthorizeQuery(i)
			tt.change(q)
			resp, err := idpNoRedirect().Get(i.Issuer() + "/authorize?" + q.Encode())
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusFound {
				t.Fatalf("status = %d, want 302", resp.StatusCode)
			}
			loc, err := url.Parse(resp.Header.Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			want, _ := url.Parse(q.Get("redirect_uri"))
			if loc.Host != want.Host || loc.Path != want.Path {
				t.Fatalf("redirected to %s, want %s", loc.Host+loc.Path, want.Host+want.Path)
			}
			got := loc.Query()
			if got.Get("error") != tt.wantError || got.Get("state") != q.Get("state") {
				t.Fatalf("callback query = %v, want error %q", got, tt.wantError)
			}
			if (got.Get("code") == "") != (tt.wantError != "") {
				t.Fatalf("callback query = %v: code presence wrong", got)
			}
			if want.Query().Get("keep") != "" && got.Get("keep") != "1" {
				t.Fatalf("existing redirect query lost: %v", got)
			}
		})
	}
}

func TestIdPAuthorizeNeverRedirectsUnvalidated(t *testing.T) {
	t.Parallel()
	i := idpStart(t, IdPOptions{})
	tests := []struct {
		name   string
		change func(q url.Values)
	}{
		{"unknown client", func(q url.Values) { q.Set("client_id", "evil") }},
		{"missing client", func(q url.Values) { q.Del("client_id") }},
		{"repeated client", func(q url.Values) { q.Add("client_id", "evil") }},
		{"missing redirect", func(q url.Values) { q.Del("redirect_uri") }},
		{"https redirect", func(q url.Values) { q.Set("redirect_uri", "https://localhost:8090/callback") }},
		{"remote host", func(q url.Values) { q.Set("redirect_uri", "http://evil.example:8090/callback") }},
		{"no port", func(q url.Values) { q.Set("redirect_uri", "http://localhost/callback") }},
		{"user info", func(q url.Values) { q.Set("redirect_uri", "http://evil@localhost:8090/callback") }},
		{"fragment", func(q url.Values) { q.Set("redirect_uri", "http://localhost:8090/callback#x") }},
		{"custom scheme", func(q url.Values) { q.Set("redirect_uri", "com.example:/callback") }},
		{"host lookalike", func(q url.Values) { q.Set("redirect_uri", "http://localhost.evil.example:8090/cb") }},
		{"bad client and bad redirect", func(q url.Values) {
			q.Set("client_id", "evil")
			q.Set("redirect_uri", "http://evil.example/")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := idpAuthorizeQuery(i)
			tt.change(q)
			resp, err := idpNoRedirect().Get(i.Issuer() + "/authorize?" + q.Encode())
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
				t.Fatalf("status %d location %q, want 400 without redirect", resp.StatusCode, resp.Header.Get("Location"))
			}
			if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "<html>") {
				t.Fatalf("want an HTML page, got %q", body)
			}
		})
	}
}

func TestIdPDenyNextIsConsumedOnlyByValidRequests(t *testing.T) {
	t.Parallel()
	i := idpStart(t, IdPOptions{})
	i.DenyNext("temporarily_unavailable")
	q := idpAuthorizeQuery(i)
	q.Set("client_id", "evil")
	resp, err := idpNoRedirect().Get(i.Issuer() + "/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	resp, err = idpNoRedirect().Get(i.Issuer() + "/authorize?" + idpAuthorizeQuery(i).Encode())
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if got := loc.Query().Get("error"); got != "temporarily_unavailable" {
		t.Fatalf("error = %q, want temporarily_unavailable", got)
	}
	if n := i.Counts()["authorize"]; n != 2 {
		t.Fatalf("authorize count = %d, want 2", n)
	}
}
