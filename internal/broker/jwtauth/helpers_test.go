package jwtauth_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/tip-cli/tip-cli/internal/broker/jwtauth"
	"github.com/tip-cli/tip-cli/internal/sandbox/brokeremu"
	"github.com/tip-cli/tip-cli/internal/testclock"
	"github.com/tip-cli/tip-cli/internal/testkey"
)

// testClock is the shared settable test clock.
type testClock = testclock.Clock

func newClock() *testClock {
	return testclock.New(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
}

// startIssuer starts a sandbox application issuer on clock c.
func startIssuer(t testing.TB, c *testClock) *brokeremu.AppIssuer {
	t.Helper()
	i, err := brokeremu.NewAppIssuer(brokeremu.AppIssuerOptions{Now: c.Now, Key: testkey.RSA(t)})
	if err != nil {
		t.Fatalf("NewAppIssuer: %v", err)
	}
	t.Cleanup(i.Close)
	return i
}

// mint signs claims with the issuer's current key or fails the test.
func mint(t testing.TB, i *brokeremu.AppIssuer, claims map[string]any) string {
	t.Helper()
	tok, err := i.Mint(claims)
	if err != nil {
		t.Fatalf("Mint: %v", err)
	}
	return tok
}

// mintWith is MintWith or fail.
func mintWith(t testing.TB, i *brokeremu.AppIssuer, alg string, key any, kid string, claims map[string]any) string {
	t.Helper()
	tok, err := i.MintWith(alg, key, kid, claims)
	if err != nil {
		t.Fatalf("MintWith %s: %v", alg, err)
	}
	return tok
}

// newRSAKey returns a fresh RSA-2048 key.
func newRSAKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// b64 is base64url without padding.
func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// noneToken builds an unsecured JWT (alg "none", RFC 7519 §6) by hand.
func noneToken(t testing.TB, header, claims map[string]any) string {
	t.Helper()
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	c, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	return b64(h) + "." + b64(c) + "."
}

// signRaw signs an arbitrary payload with key as alg and kid.
func signRaw(t testing.TB, alg string, key any, kid string, payload []byte) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{
		Algorithm: jose.SignatureAlgorithm(alg), Key: jose.JSONWebKey{Key: key, KeyID: kid},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// jwksBody encodes keys as a JWK Set.
func jwksBody(t testing.TB, keys ...jose.JSONWebKey) []byte {
	t.Helper()
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// staticServer serves status and body on every path and counts requests.
type staticServer struct {
	*httptest.Server
	mu   sync.Mutex
	hits int
}

func (s *staticServer) Hits() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits
}

func newStatic(t testing.TB, status int, body []byte) *staticServer {
	t.Helper()
	s := &staticServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		s.mu.Lock()
		s.hits++
		s.mu.Unlock()
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

// verifier builds a Verifier on clock c with o's other fields.
// The sandbox issuers listen on loopback, so the tests' verifiers allow
// private networks; netpolicy_test.go covers the default policy.
func verifier(c *testClock, o jwtauth.Options) *jwtauth.Verifier {
	o.Now = c.Now
	o.InsecureAllowPrivateNetworks = true
	return jwtauth.NewVerifier(o)
}
