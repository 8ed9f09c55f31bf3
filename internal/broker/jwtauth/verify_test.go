package jwtauth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/broker/jwtauth"
	"github.com/tip-cli/tip-cli/internal/sandbox/brokeremu"
)

// verifyCase is one token against one expectation.
type verifyCase struct {
	name    string
	opts    jwtauth.Options
	token   func(t *testing.T, i *brokeremu.AppIssuer, now time.Time) string
	expect  func(i *brokeremu.AppIssuer) jwtauth.Expect
	wantErr error // nil: must verify
}

// claimsAt returns a token minted with claims (defaults added by the issuer).
func claimsAt(claims func(now time.Time) map[string]any) func(*testing.T, *brokeremu.AppIssuer, time.Time) string {
	return func(t *testing.T, i *brokeremu.AppIssuer, now time.Time) string {
		return mint(t, i, claims(now))
	}
}

// unix is a NumericDate at now+d.
func unix(now time.Time, d time.Duration) int64 { return now.Add(d).Unix() }

func TestVerify(t *testing.T) {
	other := newRSAKey(t)
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	byURL := func(i *brokeremu.AppIssuer) jwtauth.Expect { return jwtauth.Expect{JWKSetURL: i.JWKSURL()} }
	tests := []verifyCase{
		{name: "valid", token: claimsAt(func(time.Time) map[string]any { return map[string]any{"TenantID": "Yellow"} })},
		{name: "wrong key same kid", wantErr: jwtauth.ErrInvalidToken,
			token: func(t *testing.T, i *brokeremu.AppIssuer, _ time.Time) string {
				return mintWith(t, i, "RS256", other, i.KeyID(), nil)
			}},
		{name: "no kid with one key", token: func(t *testing.T, i *brokeremu.AppIssuer, _ time.Time) string {
			return mintWith(t, i, "RS256", nil, "", nil)
		}},
		{name: "ES256 unknown key", wantErr: jwtauth.ErrInvalidToken,
			token: func(t *testing.T, i *brokeremu.AppIssuer, _ time.Time) string {
				return mintWith(t, i, "ES256", ec, "ec-1", nil)
			}},
		{name: "expired beyond skew", wantErr: jwtauth.ErrInvalidToken,
			token: claimsAt(func(n time.Time) map[string]any { return map[string]any{"exp": unix(n, -61*time.Second)} })},
		{name: "expired within skew", token: claimsAt(func(n time.Time) map[string]any {
			return map[string]any{"exp": unix(n, -60*time.Second), "iat": unix(n, -time.Hour)}
		})},
		{name: "expired with zero skew option means default", opts: jwtauth.Options{Skew: 0},
			token: claimsAt(func(n time.Time) map[string]any { return map[string]any{"exp": unix(n, -30*time.Second)} })},
		{name: "expired with 1s skew", opts: jwtauth.Options{Skew: time.Second}, wantErr: jwtauth.ErrInvalidToken,
			token: claimsAt(func(n time.Time) map[string]any { return map[string]any{"exp": unix(n, -2*time.Second)} })},
		{name: "missing exp", wantErr: jwtauth.ErrInvalidToken,
			token: claimsAt(func(time.Time) map[string]any { return map[string]any{"exp": nil} })},
		{name: "exp not a number", wantErr: jwtauth.ErrInvalidToken,
			token: claimsAt(func(time.Time) map[string]any { return map[string]any{"exp": "tomorrow"} })},
		{name: "exp absurd", wantErr: jwtauth.ErrInvalidToken,
			token: claimsAt(func(time.Time) map[string]any { return map[string]any{"exp": 1e300} })},
		{name: "nbf future beyond skew", wantErr: jwtauth.ErrInvalidToken,
			token: claimsAt(func(n time.Time) map[string]any { return map[string]any{"nbf": unix(n, 61*time.Second)} })},
		{name: "nbf future within skew",
			token: claimsAt(func(n time.Time) map[string]any { return map[string]any{"nbf": unix(n, 60*time.Second)} })},
		{name: "iat future beyond skew", wantErr: jwtauth.ErrInvalidToken,
			token: claimsAt(func(n time.Time) map[string]any { return map[string]any{"iat": unix(n, 61*time.Second)} })},
		{name: "iat future within skew",
			token: claimsAt(func(n time.Time) map[string]any { return map[string]any{"iat": unix(n, 60*time.Second)} })},
		{name: "alg none", wantErr: jwtauth.ErrInvalidToken,
			token: func(t *testing.T, i *brokeremu.AppIssuer, n time.Time) string {
				return noneToken(t, map[string]any{"alg": "none", "kid": i.KeyID()},
					map[string]any{"iss": i.URL(), "exp": unix(n, time.Hour)})
			}},
		{name: "alg none even if listed", opts: jwtauth.Options{Algorithms: []string{"none", "RS256"}},
			wantErr: jwtauth.ErrInvalidToken,
			token: func(t *testing.T, _ *brokeremu.AppIssuer, n time.Time) string {
				return noneToken(t, map[string]any{"alg": "none"}, map[string]any{"exp": unix(n, time.Hour)})
			}},
		{name: "HS256 keyed with RSA public key", wantErr: jwtauth.ErrInvalidToken,
			token: func(t *testing.T, i *brokeremu.AppIssuer, _ time.Time) string {
				return mintWith(t, i, "HS256", publicPEM(t, i), i.KeyID(), nil)
			}},
		{name: "HS256 listed but dropped", opts: jwtauth.Options{Algorithms: []string{"HS256", "RS256"}},
			wantErr: jwtauth.ErrInvalidToken,
			token: func(t *testing.T, i *brokeremu.AppIssuer, _ time.Time) string {
				return mintWith(t, i, "HS256", publicPEM(t, i), i.KeyID(), nil)
			}},
		{name: "only forbidden algorithms", opts: jwtauth.Options{Algorithms: []string{"HS256"}},
			wantErr: jwtauth.ErrInvalidToken,
			token:   claimsAt(func(time.Time) map[string]any { return nil })},
		{name: "alg not in allow-list", opts: jwtauth.Options{Algorithms: []string{"RS256"}},
			wantErr: jwtauth.ErrInvalidToken,
			token: func(t *testing.T, i *brokeremu.AppIssuer, _ time.Time) string {
				return mintWith(t, i, "PS256", nil, i.KeyID(), nil)
			}},
		{name: "alg differs from key alg", wantErr: jwtauth.ErrInvalidToken,
			token: func(t *testing.T, i *brokeremu.AppIssuer, _ time.Time) string {
				return mintWith(t, i, "RS384", nil, i.KeyID(), nil)
			}},
		{name: "iss match", expect: func(i *brokeremu.AppIssuer) jwtauth.Expect {
			return jwtauth.Expect{JWKSetURL: i.JWKSURL(), Issuer: i.URL()}
		}, token: claimsAt(func(time.Time) map[string]any { return nil })},
		{name: "iss mismatch", wantErr: jwtauth.ErrInvalidToken, expect: func(i *brokeremu.AppIssuer) jwtauth.Expect {
			return jwtauth.Expect{JWKSetURL: i.JWKSURL(), Issuer: "https://other.example.com"}
		}, token: claimsAt(func(time.Time) map[string]any { return nil })},
		{name: "aud string match", expect: audExpect("app-1"),
			token: claimsAt(func(time.Time) map[string]any { return map[string]any{"aud": "app-1"} })},
		{name: "aud array match", expect: audExpect("app-1"),
			token: claimsAt(func(time.Time) map[string]any { return map[string]any{"aud": []any{"x", 7, "app-1"}} })},
		{name: "aud array mismatch", expect: audExpect("app-1"), wantErr: jwtauth.ErrInvalidToken,
			token: claimsAt(func(time.Time) map[string]any { return map[string]any{"aud": []string{"x", "app-2"}} })},
		{name: "aud missing", expect: audExpect("app-1"), wantErr: jwtauth.ErrInvalidToken,
			token: claimsAt(func(time.Time) map[string]any { return nil })},
		{name: "aud not checked when not expected",
			token: claimsAt(func(time.Time) map[string]any { return map[string]any{"aud": "anything"} })},
		{name: "oversize", wantErr: jwtauth.ErrInvalidToken, opts: jwtauth.Options{MaxTokenBytes: 900},
			token: claimsAt(func(time.Time) map[string]any { return map[string]any{"pad": strings.Repeat("x", 600)} })},
		{name: "oversize default", wantErr: jwtauth.ErrInvalidToken,
			token: func(*testing.T, *brokeremu.AppIssuer, time.Time) string { return strings.Repeat("a", 8193) }},
		{name: "non-loopback http jwks url", wantErr: jwtauth.ErrJWKSUnavailable,
			expect: func(*brokeremu.AppIssuer) jwtauth.Expect {
				return jwtauth.Expect{JWKSetURL: "http://jwks.example.com/k"}
			},
			token: claimsAt(func(time.Time) map[string]any { return nil })},
	}
	for _, m := range []string{"", "abc", "a.b", "a.b.c", "a.b.c.d", "e30.e30.", "!!!.e30.e30", "eyJhbGciOiJSUzI1NiJ9.%%%.AAAA"} {
		tests = append(tests, verifyCase{name: "malformed " + m, wantErr: jwtauth.ErrInvalidToken,
			token: func(*testing.T, *brokeremu.AppIssuer, time.Time) string { return m }})
	}
	clock := newClock()
	iss := startIssuer(t, clock) // shared: no case changes the issuer
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := verifier(clock, tt.opts)
			tok := tt.token(t, iss, clock.Now())
			e := byURL(iss)
			if tt.expect != nil {
				e = tt.expect(iss)
			}
			claims, err := v.Verify(context.Background(), tok, e)
			checkErr(t, err, tt.wantErr, tok)
			if err == nil && claims["iss"] != iss.URL() {
				t.Errorf("claims iss = %v, want %s", claims["iss"], iss.URL())
			}
			if err != nil && claims != nil {
				t.Errorf("claims returned with error: %v", claims)
			}
		})
	}
}

// checkErr asserts err wraps want (nil: no error) and does not leak tok.
func checkErr(t *testing.T, err, want error, tok string) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("err = %v, want %v", err, want)
	}
	if len(tok) >= 16 && strings.Contains(err.Error(), tok) {
		t.Errorf("error leaks the token: %v", err)
	}
	if parts := strings.Split(tok, "."); len(parts) == 3 && len(parts[2]) >= 16 && strings.Contains(err.Error(), parts[2]) {
		t.Errorf("error leaks the signature: %v", err)
	}
}

func audExpect(aud string) func(*brokeremu.AppIssuer) jwtauth.Expect {
	return func(i *brokeremu.AppIssuer) jwtauth.Expect {
		return jwtauth.Expect{JWKSetURL: i.JWKSURL(), Audience: aud}
	}
}

// publicPEM is the issuer's RSA public key as PEM, the bytes an attacker
// would use as an HMAC secret in the RS256→HS256 confusion attack.
func publicPEM(t *testing.T, i *brokeremu.AppIssuer) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(i.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func TestVerifyNumericClaims(t *testing.T) {
	clock := newClock()
	iss := startIssuer(t, clock)
	v := verifier(clock, jwtauth.Options{})
	tok := mint(t, iss, map[string]any{"TenantID": 12345678901234567, "name": "Yellow"})
	claims, err := v.Verify(context.Background(), tok, jwtauth.Expect{JWKSetURL: iss.JWKSURL()})
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := claims["TenantID"].(json.Number); !ok || n.String() != "12345678901234567" {
		t.Errorf("TenantID = %#v, want json.Number 12345678901234567", claims["TenantID"])
	}
	if claims["name"] != "Yellow" {
		t.Errorf("name = %v", claims["name"])
	}
}
