package jwtauth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/tip-cli/tip-cli/internal/broker/jwtauth"
)

// validPayload is a claims set valid at clock c.
func validPayload(c *testClock) []byte {
	return fmt.Appendf(nil, `{"sub":"u1","exp":%d}`, c.Now().Add(time.Hour).Unix())
}

func TestVerifyAgainstJWKSDocuments(t *testing.T) {
	k1, k2 := newRSAKey(t), newRSAKey(t)
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	pub := func(k *rsa.PrivateKey, kid, alg, use string) jose.JSONWebKey {
		return jose.JSONWebKey{Key: &k.PublicKey, KeyID: kid, Algorithm: alg, Use: use}
	}
	clock := newClock()
	good := validPayload(clock)
	tests := []struct {
		name    string
		status  int
		body    []byte
		opts    jwtauth.Options
		token   string
		wantErr error
	}{
		{"kid match among two", 200, jwksBody(t, pub(k1, "k1", "RS256", "sig"), pub(k2, "k2", "", "")),
			jwtauth.Options{}, signRaw(t, "RS256", k2, "k2", good), nil},
		{"no kid two keys", 200, jwksBody(t, pub(k1, "k1", "", ""), pub(k2, "k2", "", "")),
			jwtauth.Options{}, signRaw(t, "RS256", k1, "", good), jwtauth.ErrInvalidToken},
		{"no kid one key fits alg", 200, jwksBody(t, pub(k1, "k1", "RS256", ""), pub(k2, "k2", "PS256", "")),
			jwtauth.Options{}, signRaw(t, "PS256", k2, "", good), nil},
		{"key use enc", 200, jwksBody(t, pub(k1, "k1", "", "enc")),
			jwtauth.Options{}, signRaw(t, "RS256", k1, "k1", good), jwtauth.ErrInvalidToken},
		{"rsa key too small", 200, jwksBody(t, pub(small, "s", "", "")),
			jwtauth.Options{}, signRaw(t, "RS256", small, "s", good), jwtauth.ErrInvalidToken},
		{"claims not an object", 200, jwksBody(t, pub(k1, "k1", "", "")),
			jwtauth.Options{}, signRaw(t, "RS256", k1, "k1", []byte(`["exp"]`)), jwtauth.ErrInvalidToken},
		{"claims with trailing data", 200, jwksBody(t, pub(k1, "k1", "", "")),
			jwtauth.Options{}, signRaw(t, "RS256", k1, "k1", append(good, []byte(`{}`)...)), jwtauth.ErrInvalidToken},
		{"private key in set is ignored", 200, jwksBody(t, jose.JSONWebKey{Key: k1, KeyID: "k1"}),
			jwtauth.Options{}, signRaw(t, "RS256", k1, "k1", good), jwtauth.ErrJWKSUnavailable},
		{"symmetric key only", 200, jwksBody(t, jose.JSONWebKey{Key: []byte(strings.Repeat("s", 32)), KeyID: "h"}),
			jwtauth.Options{}, signRaw(t, "RS256", k1, "h", good), jwtauth.ErrJWKSUnavailable},
		{"unknown key types skipped", 200, []byte(`{"keys":[{"kty":"XYZ","kid":"x"},` +
			strings.TrimPrefix(string(jwksBody(t, pub(k1, "k1", "", ""))), `{"keys":[`)),
			jwtauth.Options{}, signRaw(t, "RS256", k1, "k1", good), nil},
		{"server error", 500, []byte(`{}`), jwtauth.Options{}, signRaw(t, "RS256", k1, "k1", good), jwtauth.ErrJWKSUnavailable},
		{"not found", 404, nil, jwtauth.Options{}, signRaw(t, "RS256", k1, "k1", good), jwtauth.ErrJWKSUnavailable},
		{"not json", 200, []byte(`<html>`), jwtauth.Options{}, signRaw(t, "RS256", k1, "k1", good), jwtauth.ErrJWKSUnavailable},
		{"no keys member", 200, []byte(`{"k":[]}`), jwtauth.Options{}, signRaw(t, "RS256", k1, "k1", good), jwtauth.ErrJWKSUnavailable},
		{"jwks too large", 200, jwksBody(t, pub(k1, "k1", "", "")), jwtauth.Options{MaxJWKSBytes: 100},
			signRaw(t, "RS256", k1, "k1", good), jwtauth.ErrJWKSUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newStatic(t, tt.status, tt.body)
			v := verifier(clock, tt.opts)
			_, err := v.Verify(context.Background(), tt.token, jwtauth.Expect{JWKSetURL: srv.URL + "/jwks"})
			checkErr(t, err, tt.wantErr, tt.token)
		})
	}
}

func TestRedirects(t *testing.T) {
	clock := newClock()
	k1 := newRSAKey(t)
	keys := newStatic(t, 200, jwksBody(t, jose.JSONWebKey{Key: &k1.PublicKey, KeyID: "k1"}))
	tok := signRaw(t, "RS256", k1, "k1", validPayload(clock))
	tests := []struct {
		name    string
		https   bool
		target  string
		wantErr error
	}{
		{"to loopback", false, keys.URL + "/jwks", nil},
		{"to non-loopback http", false, "http://10.255.255.1/jwks", jwtauth.ErrJWKSUnavailable},
		{"to userinfo", false, "http://u:p@127.0.0.1:1/jwks", jwtauth.ErrJWKSUnavailable},
		{"https to http loopback", true, keys.URL + "/jwks", jwtauth.ErrJWKSUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.RedirectHandler(tt.target, http.StatusFound)
			redir := httptest.NewServer(h)
			client := &http.Client{Timeout: 2 * time.Second}
			if tt.https {
				redir.Close()
				redir = httptest.NewTLSServer(h)
				client = redir.Client()
			}
			t.Cleanup(redir.Close)
			v := verifier(clock, jwtauth.Options{HTTPClient: client})
			hits := keys.Hits()
			_, err := v.Verify(context.Background(), tok, jwtauth.Expect{JWKSetURL: redir.URL})
			checkErr(t, err, tt.wantErr, tok)
			if tt.wantErr != nil && keys.Hits() != hits {
				t.Errorf("refused redirect reached the key server")
			}
		})
	}
}

func TestCheckJWKSURL(t *testing.T) {
	// strict is the default policy, lab the --insecure-allow-private-jwks one.
	tests := []struct {
		url         string
		strict, lab bool
	}{
		{"https://login.example.com/.well-known/jwks.json", true, true},
		{"https://203.0.113.7/jwks", true, true},
		{"https://10.0.0.1:8443/jwks", false, true},
		{"https://172.16.3.4/jwks", false, true},
		{"https://192.168.1.1/jwks", false, true},
		{"https://100.64.0.1/jwks", false, true},
		{"https://[fd12::1]/jwks", false, true},
		{"https://127.0.0.1:8443/jwks", false, true},
		{"https://[::ffff:127.0.0.1]/jwks", false, false},
		{"https://localhost/jwks", false, true},
		{"http://127.0.0.1:8080/jwks", false, true},
		{"http://127.9.9.9/jwks", false, true},
		{"http://[::1]:8080/jwks", false, true},
		{"http://localhost:8080/jwks", false, true},
		{"http://LOCALHOST/jwks", false, true},
		{"https://169.254.169.254/latest/meta-data", false, false},
		{"http://169.254.169.254/latest/meta-data", false, false},
		{"https://[fd00:ec2::254]/latest/meta-data", false, false},
		{"https://[fe80::1]/jwks", false, false},
		{"https://0.0.0.0/jwks", false, false},
		{"https://[::]/jwks", false, false},
		{"https://224.0.0.1/jwks", false, false},
		{"https://[64:ff9b::a9fe:a9fe]/jwks", false, false},
		// Issue 22 item 13: zones, embedded IPv4 and the other metadata addresses.
		{"https://[::1%25lo]:9556/", false, false},
		{"https://[fd00:ec2::254%25lo]/", false, false},
		{"https://[2606:4700::1%25eth0]/jwks", false, false},
		{"http://[::1%25lo]:8080/jwks", false, false},
		{"https://[::ffff:203.0.113.7]/jwks", false, false},
		{"https://[::ffff:a9fe:a9fe]/jwks", false, false},
		{"https://[::127.0.0.1]/jwks", false, false},
		{"https://[::a9fe:a9fe]/jwks", false, false},
		{"https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/jwks", false, false},
		{"https://[100::1]/jwks", false, false},
		{"https://[fd00:ec2::23]/jwks", false, false},
		{"https://[fd00:ec2::253]/jwks", false, false},
		{"https://100.100.100.200/latest/meta-data", false, false},
		{"https://169.254.170.23/v1/credentials", false, false},
		{"https://[2606:4700::1]/jwks", true, true},
		{"https://[2001:db8::1]/jwks", true, true},
		{"http://example.com/jwks", false, false},
		{"http://10.0.0.1/jwks", false, false},
		{"http://localhost.example.com/jwks", false, false},
		{"http://127.0.0.1.nip.io/jwks", false, false},
		{"ftp://example.com/jwks", false, false},
		{"file:///etc/passwd", false, false},
		{"https://user:pw@example.com/jwks", false, false},
		{"https://example.com/jwks#frag", false, false},
		{"https://example.com/jwks#", false, false},
		{"//example.com/jwks", false, false},
		{"/jwks", false, false},
		{"https:///jwks", false, false},
		{"https:example.com", false, false},
		{"", false, false},
		{"https://example.com/" + strings.Repeat("a", 2048), false, false},
		{"https://example.com/" + strings.Repeat("a", 2048-20), true, true},
		{"https://exa mple.com/", false, false},
	}
	for _, tt := range tests {
		name := tt.url
		if len(name) > 60 {
			name = name[:60]
		}
		t.Run(name, func(t *testing.T) {
			if err := jwtauth.CheckJWKSURL(tt.url, false); (err == nil) != tt.strict {
				t.Errorf("CheckJWKSURL(%q, strict) = %v, want ok %v", tt.url, err, tt.strict)
			}
			if err := jwtauth.CheckJWKSURL(tt.url, true); (err == nil) != tt.lab {
				t.Errorf("CheckJWKSURL(%q, lab) = %v, want ok %v", tt.url, err, tt.lab)
			}
		})
	}
}
