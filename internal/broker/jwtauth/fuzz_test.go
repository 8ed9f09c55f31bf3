package jwtauth_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/broker/jwtauth"
)

// FuzzVerify: arbitrary token strings never panic, never verify, and never
// come back inside the error text.
func FuzzVerify(f *testing.F) {
	clock := newClock()
	iss := startIssuer(f, clock)
	v := verifier(clock, jwtauth.Options{RefetchInterval: time.Hour})
	e := jwtauth.Expect{JWKSetURL: iss.JWKSURL()}
	valid := mint(f, iss, map[string]any{"TenantID": "Yellow"})
	parts := strings.Split(valid, ".")
	f.Add(parts[0] + "." + parts[1] + ".")
	f.Add(parts[0] + "." + parts[1] + "." + parts[2][:len(parts[2])-4] + "AAAA")
	f.Add(parts[0] + "." + b64([]byte(`{"exp":1e99}`)) + "." + parts[2])
	f.Add(b64([]byte(`{"alg":"none"}`)) + "." + parts[1] + ".")
	f.Add(b64([]byte(`{"alg":"HS256","kid":"`+iss.KeyID()+`"}`)) + "." + parts[1] + "." + parts[2][:43])
	f.Add(b64([]byte(`{"alg":"RS256","crit":["exp"],"exp":1}`)) + "." + parts[1] + "." + parts[2])
	f.Add(`{"payload":"e30","signatures":[]}`)
	f.Add("")
	f.Add("...")
	f.Fuzz(func(t *testing.T, tok string) {
		claims, err := v.Verify(context.Background(), tok, e)
		if err == nil {
			t.Fatalf("random token verified: %v", claims)
		}
		if !errors.Is(err, jwtauth.ErrInvalidToken) && !errors.Is(err, jwtauth.ErrJWKSUnavailable) {
			t.Fatalf("unclassified error: %v", err)
		}
		if len(tok) >= 16 && strings.Contains(err.Error(), tok) {
			t.Fatalf("error leaks the token: %v", err)
		}
	})
}
