package jwtauth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/tip-cli/tip-cli/internal/broker/jwtauth"
)

// TestJWKSAmplificationCapped is issue 22 item 16: 340 copies of a
// 4096-bit key under one kid made every token with that kid cost 340 RSA
// verifications (0.3–0.4 CPU-s per request). A set with more than 4 keys
// under one kid, or more than 100 keys, is not used (the fetch counts as
// failed: 502 JWKSUnavailable, never a silent partial set), and an RSA
// key whose exponent is not an odd number from 3 to 65537 never verifies.
func TestJWKSAmplificationCapped(t *testing.T) {
	big, err := rsa.GenerateKey(rand.Reader, 4096)
	if err != nil {
		t.Fatal(err)
	}
	signer := newRSAKey(t)
	clock := newClock()
	good := validPayload(clock)
	copies := func(n int, key *rsa.PublicKey, kid func(i int) string) []jose.JSONWebKey {
		keys := make([]jose.JSONWebKey, n)
		for i := range keys {
			keys[i] = jose.JSONWebKey{Key: key, KeyID: kid(i)}
		}
		return keys
	}
	same := func(int) string { return "k" }
	hugeE := signer.PublicKey
	hugeE.E = 1<<31 - 1
	tests := []struct {
		name    string
		keys    []jose.JSONWebKey
		token   string
		wantErr error
		msg     string
	}{
		{"340 copies under one kid", copies(340, &big.PublicKey, same), signRaw(t, "RS256", signer, "k", good),
			jwtauth.ErrJWKSUnavailable, "more than 100 keys"},
		{"5 keys under one kid", append(copies(4, &big.PublicKey, same), jose.JSONWebKey{Key: &signer.PublicKey, KeyID: "k"}),
			signRaw(t, "RS256", signer, "k", good), jwtauth.ErrJWKSUnavailable, "keys with kid"},
		{"4 keys under one kid", append(copies(3, &big.PublicKey, same), jose.JSONWebKey{Key: &signer.PublicKey, KeyID: "k"}),
			signRaw(t, "RS256", signer, "k", good), nil, ""},
		{"101 keys", copies(101, &signer.PublicKey, func(i int) string { return fmt.Sprint("k", i) }),
			signRaw(t, "RS256", signer, "k7", good), jwtauth.ErrJWKSUnavailable, "more than 100 keys"},
		{"100 keys", copies(100, &signer.PublicKey, func(i int) string { return fmt.Sprint("k", i) }),
			signRaw(t, "RS256", signer, "k7", good), nil, ""},
		{"rsa exponent 2^31-1", []jose.JSONWebKey{{Key: &hugeE, KeyID: "k"}},
			signRaw(t, "RS256", signer, "k", good), jwtauth.ErrInvalidToken, "exponent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newStatic(t, 200, jwksBody(t, tt.keys...))
			_, err := verifier(clock, jwtauth.Options{MaxJWKSBytes: 1 << 20}).Verify(context.Background(), tt.token,
				jwtauth.Expect{JWKSetURL: srv.URL + "/jwks"})
			checkErr(t, err, tt.wantErr, tt.token)
			if err != nil && !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.msg)
			}
		})
	}
}
