package jwtauth_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/tip-cli/tip-cli/internal/broker/jwtauth"
)

// TestJWKSAddressPolicyAtDial: the registered URL names a host
// (example.com, which httptest's certificate covers) and the injected
// resolver decides where it points, as DNS would. A name resolving to a
// refused address (loopback here, or DNS rebinding to it) is never
// connected to, and the error says nothing of the target; with the lab
// flag loopback is reachable but metadata still is not.
func TestJWKSAddressPolicyAtDial(t *testing.T) {
	key := newRSAKey(t)
	var hits atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		_, _ = w.Write(jwksBody(t, jose.JSONWebKey{Key: &key.PublicKey, KeyID: "k1"}))
	}))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	jwksURL := "https://example.com" + port + "/jwks"
	clock := newClock()
	token := signRaw(t, "RS256", key, "k1", validPayload(clock))
	lookup := func(addrs ...string) jwtauth.LookupFunc {
		return func(context.Context, string, string) ([]netip.Addr, error) {
			var out []netip.Addr
			for _, a := range addrs {
				out = append(out, netip.MustParseAddr(a))
			}
			return out, nil
		}
	}
	tests := []struct {
		name    string
		lab     bool
		lookup  jwtauth.LookupFunc
		wantErr error
	}{
		{"loopback refused by default", false, lookup("127.0.0.1"), jwtauth.ErrJWKSUnavailable},
		{"rebinding: one private answer refuses the name", false, lookup("203.0.113.9", "127.0.0.1"), jwtauth.ErrJWKSUnavailable},
		{"private refused by default", false, lookup("10.1.2.3"), jwtauth.ErrJWKSUnavailable},
		{"metadata refused even for labs", true, lookup("169.254.169.254"), jwtauth.ErrJWKSUnavailable},
		{"ipv4-mapped metadata refused", true, lookup("::ffff:169.254.169.254"), jwtauth.ErrJWKSUnavailable},
		{"lab flag reaches loopback", true, lookup("127.0.0.1"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := hits.Load()
			v := jwtauth.NewVerifier(jwtauth.Options{Now: clock.Now, HTTPClient: srv.Client(), Lookup: tt.lookup,
				InsecureAllowPrivateNetworks: tt.lab})
			_, err := v.Verify(context.Background(), token, jwtauth.Expect{JWKSetURL: jwksURL})
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr != nil && hits.Load() != before {
				t.Fatalf("the refused address was connected to")
			}
		})
	}
}

// TestRotation is issue 13's rotation case: right after a fetch the IdP
// rotates (the new key replaces the old one in the JWKS). A token with the
// new kid verifies at once, one refetch later; a token signed with the
// removed key is refused from then on.
func TestRotation(t *testing.T) {
	clock := newClock()
	iss := startIssuer(t, clock)
	v := verifier(clock, jwtauth.Options{})
	e := jwtauth.Expect{JWKSetURL: iss.JWKSURL()}
	old := current(t, iss)
	if _, err := v.Verify(context.Background(), old, e); err != nil {
		t.Fatal(err)
	}
	iss.RotateKey()
	if _, err := v.Verify(context.Background(), current(t, iss), e); err != nil {
		t.Fatalf("new kid right after rotation: %v", err)
	}
	if _, err := v.Verify(context.Background(), old, e); !errors.Is(err, jwtauth.ErrInvalidToken) {
		t.Fatalf("removed key: %v, want ErrInvalidToken", err)
	}
	if n := iss.JWKSFetches(); n != 3 {
		t.Fatalf("JWKS fetches = %d, want 3 (cold, new kid, removed kid)", n)
	}
}

// TestZonedJWKSHostNeverDialled is issue 22 item 13 over real sockets: a
// key server listens on [::1] and counts connections. A JWKS URL naming
// it with a zone ([::1%25lo], which escaped every prefix rule) is refused
// under the default policy and even with the lab flag, directly and as a
// redirect target, and so is the IPv4-mapped form of a lab-allowed
// loopback address; no connection reaches the server.
func TestZonedJWKSHostNeverDialled(t *testing.T) {
	key := newRSAKey(t)
	clock := newClock()
	token := signRaw(t, "RS256", key, "k1", validPayload(clock))
	var conns atomic.Int32
	keys := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write(jwksBody(t, jose.JSONWebKey{Key: &key.PublicKey, KeyID: "k1"}))
	}))
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	keys.Listener.Close()
	keys.Listener = ln
	keys.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	keys.StartTLS()
	defer keys.Close()
	port := keys.URL[strings.LastIndex(keys.URL, ":")+1:]
	v4 := httptest.NewUnstartedServer(keys.Config.Handler)
	v4.Config.ConnState = keys.Config.ConnState
	v4.StartTLS()
	defer v4.Close()
	v4port := v4.URL[strings.LastIndex(v4.URL, ":")+1:]
	redirect := func(target string) string {
		r := httptest.NewTLSServer(http.RedirectHandler(target, http.StatusFound))
		t.Cleanup(r.Close)
		return r.URL + "/jwks"
	}
	zoned := "https://[::1%25lo]:" + port + "/jwks"
	mapped := "https://[::ffff:127.0.0.1]:" + v4port + "/jwks"
	tests := []struct {
		name string
		lab  bool
		url  string
	}{
		{"zoned loopback, default policy", false, zoned},
		{"zoned loopback, lab flag", true, zoned},
		{"redirect to zoned loopback, lab flag", true, redirect(zoned)},
		{"ipv4-mapped loopback, lab flag", true, mapped},
		{"redirect to ipv4-mapped loopback, lab flag", true, redirect(mapped)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := conns.Load()
			v := jwtauth.NewVerifier(jwtauth.Options{Now: clock.Now, HTTPClient: keys.Client(), InsecureAllowPrivateNetworks: tt.lab})
			_, err := v.Verify(context.Background(), token, jwtauth.Expect{JWKSetURL: tt.url})
			if !errors.Is(err, jwtauth.ErrJWKSUnavailable) {
				t.Fatalf("err = %v, want ErrJWKSUnavailable", err)
			}
			if n := conns.Load() - before; n != 0 {
				t.Fatalf("the key server got %d connections; the policy should refuse the address before dialling (err %v)", n, err)
			}
		})
	}
}
