package idpemu

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/tip-cli/tip-cli/internal/testkey"
)

func TestIdPAuthorizationCodePKCE(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		host  string
		style oauth2.AuthStyle
	}{
		{"localhost callback, client_id in form", "localhost", oauth2.AuthStyleInParams},
		{"127.0.0.1 callback, auth style probing (basic)", "127.0.0.1", oauth2.AuthStyleAutoDetect},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := idpNewClock()
			i := idpStart(t, IdPOptions{Now: clock.Now})
			c := idpNewClient(t, i, clock.Now, tt.host)
			c.cfg.Endpoint.AuthStyle = tt.style
			s := c.signIn(t)
			if got := s.query.Get("state"); got != s.state {
				t.Fatalf("state = %q, want %q", got, s.state)
			}
			tok, err := c.cfg.Exchange(context.Background(), s.query.Get("code"), oauth2.VerifierOption(s.verifier))
			if err != nil {
				t.Fatalf("exchange: %v", err)
			}
			if tok.AccessToken == "" || tok.RefreshToken == "" || tok.TokenType != "Bearer" {
				t.Fatalf("token = %+v, want access, refresh and Bearer", tok)
			}
			idt, claims := c.verify(t, tok)
			if idt.Nonce != s.nonce || idt.Subject != "00u-alice" || idt.Issuer != i.Issuer() {
				t.Fatalf("id token nonce/sub/iss = %q/%q/%q", idt.Nonce, idt.Subject, idt.Issuer)
			}
			if claims["email"] != "alice@example.com" || claims["name"] != "Alice Example" {
				t.Fatalf("claims = %v", claims)
			}
			if g, _ := claims["groups"].([]any); len(g) != 1 || g[0] != "data-analysts" {
				t.Fatalf("groups = %v", claims["groups"])
			}
			if !idt.Expiry.Equal(clock.Now().Add(time.Hour)) || claims["auth_time"] != float64(clock.Now().Unix()) {
				t.Fatalf("exp = %v, auth_time = %v", idt.Expiry, claims["auth_time"])
			}
			if claims["jti"] == "" || claims["jti"] == nil {
				t.Fatal("jti missing")
			}
			info, err := c.provider.UserInfo(context.Background(), oauth2.StaticTokenSource(tok))
			if err != nil || info.Email != "alice@example.com" {
				t.Fatalf("userinfo = %+v, %v", info, err)
			}
			counts := i.Counts()
			if counts["discovery"] != 1 || counts["authorize"] != 1 || counts["token:authorization_code"] != 1 {
				t.Fatalf("counts = %v", counts)
			}
		})
	}
}

func TestIdPCodeExchangeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		mutate   func(c *idpClient, s *idpSignIn, clock *idpTestClock)
		wantCode string
	}{
		{"wrong verifier", func(_ *idpClient, s *idpSignIn, _ *idpTestClock) {
			s.verifier = oauth2.GenerateVerifier()
		}, "invalid_grant"},
		{"missing verifier", func(_ *idpClient, s *idpSignIn, _ *idpTestClock) { s.verifier = "" }, "invalid_request"},
		{"short verifier", func(_ *idpClient, s *idpSignIn, _ *idpTestClock) { s.verifier = "abc" }, "invalid_request"},
		{"wrong redirect_uri", func(c *idpClient, _ *idpSignIn, _ *idpTestClock) {
			c.cfg.RedirectURL = strings.Replace(c.cfg.RedirectURL, "/callback", "/other", 1)
		}, "invalid_grant"},
		{"unknown client", func(c *idpClient, _ *idpSignIn, _ *idpTestClock) { c.cfg.ClientID = "evil" }, "invalid_client"},
		{"client secret on a public client", func(c *idpClient, _ *idpSignIn, _ *idpTestClock) {
			c.cfg.ClientSecret = "s3cret"
		}, "invalid_client"},
		{"expired code", func(_ *idpClient, _ *idpSignIn, clock *idpTestClock) { clock.Advance(61 * time.Second) }, "invalid_grant"},
		{"unknown code", func(_ *idpClient, s *idpSignIn, _ *idpTestClock) { s.query.Set("code", "nope") }, "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := idpNewClock()
			i := idpStart(t, IdPOptions{Now: clock.Now})
			c := idpNewClient(t, i, clock.Now, "localhost")
			s := c.signIn(t)
			tt.mutate(c, &s, clock)
			var opts []oauth2.AuthCodeOption
			if s.verifier != "" {
				opts = append(opts, oauth2.VerifierOption(s.verifier))
			}
			_, err := c.cfg.Exchange(context.Background(), s.query.Get("code"), opts...)
			if got := idpErrCode(err); got != tt.wantCode {
				t.Fatalf("error code = %q (%v), want %q", got, err, tt.wantCode)
			}
		})
	}
}

func TestIdPCodeReuseRevokesTokens(t *testing.T) {
	t.Parallel()
	i := idpStart(t, IdPOptions{})
	c := idpNewClient(t, i, nil, "localhost")
	s := c.signIn(t)
	tok, err := c.cfg.Exchange(context.Background(), s.query.Get("code"), oauth2.VerifierOption(s.verifier))
	if err != nil {
		t.Fatalf("first exchange: %v", err)
	}
	_, err = c.cfg.Exchange(context.Background(), s.query.Get("code"), oauth2.VerifierOption(s.verifier))
	if idpErrCode(err) != "invalid_grant" {
		t.Fatalf("reuse: %v, want invalid_grant", err)
	}
	if _, err := c.refresh(tok.RefreshToken); idpErrCode(err) != "invalid_grant" {
		t.Fatalf("refresh after code reuse: %v, want invalid_grant", err)
	}
}

func TestIdPTokenErrorFormat(t *testing.T) {
	t.Parallel()
	i := idpStart(t, IdPOptions{})
	tests := []struct {
		name       string
		form       url.Values
		wantStatus int
		wantCode   string
	}{
		{"unknown client", url.Values{"client_id": {"x"}, "grant_type": {"authorization_code"}}, 401, "invalid_client"},
		{"missing grant type", url.Values{"client_id": {i.ClientID()}}, 400, "invalid_request"},
		{"unsupported grant", url.Values{"client_id": {i.ClientID()}, "grant_type": {"password"}}, 400, "unsupported_grant_type"},
		{"repeated parameter", url.Values{"client_id": {i.ClientID()}, "grant_type": {"refresh_token", "refresh_token"}}, 400, "invalid_request"},
		{"missing code", url.Values{"client_id": {i.ClientID()}, "grant_type": {"authorization_code"}}, 400, "invalid_request"},
		{"unknown refresh token", url.Values{"client_id": {i.ClientID()}, "grant_type": {"refresh_token"}, "refresh_token": {"x"}}, 400, "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := idpPost(t, i.Issuer()+"/token", tt.form)
			if resp.StatusCode != tt.wantStatus || body["error"] != tt.wantCode || body["error_description"] == "" {
				t.Fatalf("status %d body %v, want %d %s", resp.StatusCode, body, tt.wantStatus, tt.wantCode)
			}
			if resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("Cache-Control") != "no-store" {
				t.Fatalf("headers = %v", resp.Header)
			}
		})
	}
}

func TestIdPDenyNextAndSetUser(t *testing.T) {
	t.Parallel()
	i := idpStart(t, IdPOptions{Users: []User{
		{Subject: "00u-alice", Email: "alice@example.com", Name: "Alice"},
		{Subject: "00u-bob", Email: "bob@example.com", Name: "Bob", Groups: []string{"admins"}},
	}})
	c := idpNewClient(t, i, nil, "localhost")
	i.DenyNext("access_denied")
	s := c.signIn(t)
	if s.query.Get("error") != "access_denied" || s.query.Get("error_description") == "" || s.query.Get("code") != "" {
		t.Fatalf("denied callback = %v", s.query)
	}
	if s.query.Get("state") != s.state {
		t.Fatalf("denied callback state = %q, want %q", s.query.Get("state"), s.state)
	}
	if err := i.SetUser("mallory@example.com"); err == nil {
		t.Fatal("SetUser(unknown) succeeded")
	}
	if err := i.SetUser("bob@example.com"); err != nil {
		t.Fatalf("SetUser: %v", err)
	}
	idt, _ := c.verify(t, c.login(t)) // the denial applied only once
	if idt.Subject != "00u-bob" {
		t.Fatalf("sub = %q, want 00u-bob", idt.Subject)
	}
}

func TestIdPMintIDToken(t *testing.T) {
	t.Parallel()
	clock := idpNewClock()
	i := idpStart(t, IdPOptions{Now: clock.Now})
	p, err := oidc.NewProvider(context.Background(), i.Issuer())
	if err != nil {
		t.Fatal(err)
	}
	v := p.Verifier(&oidc.Config{ClientID: i.ClientID(), Now: clock.Now})
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	forged := func(t *testing.T) string {
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: other}, nil)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := i.MintIDToken("alice@example.com", nil)
		if err != nil {
			t.Fatal(err)
		}
		payload, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.RS256})
		if err != nil {
			t.Fatal(err)
		}
		jws, err := signer.Sign(payload.UnsafePayloadWithoutVerification())
		if err != nil {
			t.Fatal(err)
		}
		s, _ := jws.CompactSerialize()
		return s
	}
	mint := func(mutate func(map[string]any)) func(t *testing.T) string {
		return func(t *testing.T) string {
			tok, err := i.MintIDToken("alice@example.com", mutate)
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
	}
	tests := []struct {
		name   string
		token  func(t *testing.T) string
		wantOK bool
	}{
		{"as issued", mint(nil), true},
		{"expired", mint(func(c map[string]any) { c["exp"] = clock.Now().Add(-time.Minute).Unix() }), false},
		{"wrong audience", mint(func(c map[string]any) { c["aud"] = "someone-else" }), false},
		{"wrong issuer", mint(func(c map[string]any) { c["iss"] = "http://127.0.0.1:1" }), false},
		{"signed with another key", forged, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), tt.token(t))
			if (err == nil) != tt.wantOK {
				t.Fatalf("verify err = %v, want ok=%v", err, tt.wantOK)
			}
		})
	}
	if i.SigningKey().Equal(other) {
		t.Fatal("signing key equals the forger's key")
	}
	if _, err := i.MintIDToken("nobody@example.com", nil); err == nil {
		t.Fatal("MintIDToken(unknown) succeeded")
	}
}

func TestIdPDiscoveryAndJWKS(t *testing.T) {
	t.Parallel()
	i := idpStart(t, IdPOptions{})
	resp, err := http.Get(i.Issuer() + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	var meta map[string]any
	err = json.NewDecoder(resp.Body).Decode(&meta)
	_ = resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"issuer":                           i.Issuer(),
		"device_authorization_endpoint":    i.Issuer() + "/device_authorization",
		"code_challenge_methods_supported": "S256",
		"grant_types_supported":            idpGrantDevice,
		"scopes_supported":                 "offline_access",
	} {
		if !strings.Contains(idpJSONString(meta[k]), want) {
			t.Errorf("%s = %v, want %s", k, meta[k], want)
		}
	}
	resp, err = http.Get(i.Issuer() + "/jwks")
	if err != nil {
		t.Fatal(err)
	}
	var set jose.JSONWebKeySet
	err = json.NewDecoder(resp.Body).Decode(&set)
	_ = resp.Body.Close()
	if err != nil || len(set.Keys) != 1 || set.Keys[0].KeyID == "" || !set.Keys[0].IsPublic() {
		t.Fatalf("jwks = %+v, %v", set, err)
	}
	for _, path := range []string{"/", "/nope", "/authorize/x"} {
		resp, err := http.Get(i.Issuer() + path)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, resp.StatusCode)
		}
	}
}

func idpJSONString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestNewIdPOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts IdPOptions
	}{
		{"non-loopback address", IdPOptions{Addr: "0.0.0.0:0"}},
		{"host name", IdPOptions{Addr: "example.com:0"}},
		{"user without subject", IdPOptions{Users: []User{{Email: "a@example.com"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Key = testkey.RSA(t) // the refusal must not depend on key generation
			if i, err := NewIdP(tt.opts); err == nil {
				i.Close()
				t.Fatal("NewIdP succeeded")
			}
		})
	}
	i := idpStart(t, IdPOptions{Addr: "localhost:0", ClientID: "c1"})
	if !strings.HasPrefix(i.Issuer(), "http://127.0.0.1:") || i.ClientID() != "c1" {
		t.Fatalf("issuer %q client %q", i.Issuer(), i.ClientID())
	}
	i.Close()
	i.Close() // idempotent
	if _, err := http.Get(i.Issuer() + "/jwks"); err == nil {
		t.Fatal("server still answers after Close")
	}
}
