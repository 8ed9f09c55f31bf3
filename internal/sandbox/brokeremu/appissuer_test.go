package brokeremu

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/tip-cli/tip-cli/internal/testkey"
)

// appStart starts an AppIssuer closed at test end.
func appStart(t *testing.T, o AppIssuerOptions) *AppIssuer {
	t.Helper()
	if o.Key == nil {
		o.Key = testkey.RSA(t)
	}
	i, err := NewAppIssuer(o)
	if err != nil {
		t.Fatalf("NewAppIssuer: %v", err)
	}
	t.Cleanup(i.Close)
	return i
}

// appGetJWKS fetches the issuer's JWK Set over HTTP.
func appGetJWKS(t *testing.T, i *AppIssuer) (int, jose.JSONWebKeySet) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, i.JWKSURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("get jwks: %v", err)
	}
	defer func() { _ = resp.Body.Close() }()
	var set jose.JSONWebKeySet
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
			t.Fatalf("decode jwks: %v", err)
		}
	}
	return resp.StatusCode, set
}

// appVerify verifies tok against set with go-jose and returns kid and claims.
func appVerify(t *testing.T, tok string, set jose.JSONWebKeySet) (string, map[string]any, error) {
	t.Helper()
	jws, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.HS256})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	kid := jws.Signatures[0].Header.KeyID
	keys := set.Key(kid)
	if len(keys) != 1 {
		return kid, nil, jose.ErrCryptoFailure
	}
	payload, err := jws.Verify(keys[0].Key)
	if err != nil {
		return kid, nil, err
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	return kid, claims, nil
}

func TestAppIssuerOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    AppIssuerOptions
		wantErr bool
	}{
		{"default", AppIssuerOptions{}, false},
		{"localhost", AppIssuerOptions{Addr: "localhost:0"}, false},
		{"custom issuer", AppIssuerOptions{Issuer: "https://app.example.com"}, false},
		{"non-loopback address", AppIssuerOptions{Addr: "0.0.0.0:0"}, true},
		{"bad address", AppIssuerOptions{Addr: "nope"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name != "default" { // "default" generates its own key
				tt.opts.Key = testkey.RSA(t)
			}
			i, err := NewAppIssuer(tt.opts)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			defer i.Close()
			if !strings.HasPrefix(i.URL(), "http://127.0.0.1:") || i.JWKSURL() != i.URL()+"/.well-known/jwks.json" {
				t.Errorf("URL %q JWKSURL %q", i.URL(), i.JWKSURL())
			}
			want := tt.opts.Issuer
			if want == "" {
				want = i.URL()
			}
			if i.Issuer() != want {
				t.Errorf("Issuer = %q, want %q", i.Issuer(), want)
			}
			i.Close()
			i.Close() // idempotent
		})
	}
}

func TestAppIssuerMintClaims(t *testing.T) {
	t.Parallel()
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	i := appStart(t, AppIssuerOptions{Now: func() time.Time { return now }})
	_, set := appGetJWKS(t, i)
	tests := []struct {
		name   string
		claims map[string]any
		want   map[string]any // float64 for numbers; nil value = absent
	}{
		{"defaults", map[string]any{"TenantID": "Yellow"}, map[string]any{
			"iss": i.URL(), "iat": float64(now.Unix()), "exp": float64(now.Add(time.Hour).Unix()), "TenantID": "Yellow",
		}},
		{"explicit kept", map[string]any{"iss": "other", "exp": 42, "iat": 7}, map[string]any{
			"iss": "other", "exp": float64(42), "iat": float64(7),
		}},
		{"nil removes", map[string]any{"exp": nil, "iat": nil}, map[string]any{"exp": nil, "iat": nil, "iss": i.URL()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := i.Mint(tt.claims)
			if err != nil {
				t.Fatalf("Mint: %v", err)
			}
			kid, got, err := appVerify(t, tok, set)
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			if kid != i.KeyID() {
				t.Errorf("kid = %q, want %q", kid, i.KeyID())
			}
			for k, w := range tt.want {
				g, present := got[k]
				if w == nil && present {
					t.Errorf("claim %s present (%v), want absent", k, g)
				}
				if w != nil && g != w {
					t.Errorf("claim %s = %v (%T), want %v", k, g, g, w)
				}
			}
		})
	}
}

func TestAppIssuerMintWith(t *testing.T) {
	t.Parallel()
	i := appStart(t, AppIssuerOptions{})
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, alg, kid string
		key            any
		wantErr        bool
	}{
		{"current key no kid", "RS256", "", nil, false},
		{"ES256 other key", "ES256", "ec-1", ec, false},
		{"HS256 bytes", "HS256", "h", []byte(strings.Repeat("k", 64)), false},
		{"none unsupported", "none", "", nil, true},
		{"key does not fit alg", "ES256", "", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := i.MintWith(tt.alg, tt.key, tt.kid, map[string]any{"sub": "u"})
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			jws, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(tt.alg)})
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if h := jws.Signatures[0].Header; h.Algorithm != tt.alg || h.KeyID != tt.kid {
				t.Errorf("header alg %q kid %q, want %q %q", h.Algorithm, h.KeyID, tt.alg, tt.kid)
			}
		})
	}
}

func TestAppIssuerRotateAndFetches(t *testing.T) {
	t.Parallel()
	i := appStart(t, AppIssuerOptions{})
	old, err := i.Mint(nil)
	if err != nil {
		t.Fatal(err)
	}
	oldKid := i.KeyID()
	i.RotateKey()
	if i.KeyID() == oldKid {
		t.Fatal("RotateKey kept the kid")
	}
	fresh, err := i.Mint(nil)
	if err != nil {
		t.Fatal(err)
	}
	code, set := appGetJWKS(t, i)
	if code != http.StatusOK || len(set.Keys) != 1 || set.Keys[0].KeyID != i.KeyID() {
		t.Fatalf("jwks after rotation: %d %+v", code, set.Keys)
	}
	if k := set.Keys[0]; k.Use != "sig" || k.Algorithm != "RS256" || !k.IsPublic() {
		t.Errorf("jwk use %q alg %q public %v", k.Use, k.Algorithm, k.IsPublic())
	}
	if _, _, err := appVerify(t, fresh, set); err != nil {
		t.Errorf("new token: %v", err)
	}
	if _, _, err := appVerify(t, old, set); err == nil {
		t.Error("old token verified against the rotated set")
	}
	i.SetJWKSStatus(http.StatusInternalServerError)
	if code, _ := appGetJWKS(t, i); code != http.StatusInternalServerError {
		t.Errorf("status = %d, want 500", code)
	}
	i.SetJWKSStatus(0)
	i.SetJWKSDelay(100 * time.Millisecond)
	start := time.Now()
	if code, _ := appGetJWKS(t, i); code != http.StatusOK || time.Since(start) < 100*time.Millisecond {
		t.Errorf("delayed fetch: status %d after %v", code, time.Since(start))
	}
	if got := i.JWKSFetches(); got != 3 {
		t.Errorf("JWKSFetches = %d, want 3", got)
	}
}
