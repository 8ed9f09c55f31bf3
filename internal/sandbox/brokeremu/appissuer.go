package brokeremu

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// AppIssuerOptions configures NewAppIssuer. The zero value is usable.
type AppIssuerOptions struct {
	// Issuer is the "iss" Mint adds; default the issuer's own URL.
	Issuer string
	// Now is the clock for "iat" and "exp"; default time.Now.
	Now func() time.Time
	// Addr is the listen address; default "127.0.0.1:0". Only loopback
	// addresses are accepted.
	Addr string
	// Key is the first signing key; generated when nil (tests pass a
	// cached one: RSA-2048 generation takes ~130 ms).
	Key *rsa.PrivateKey
}

// AppIssuer is a loopback stand-in for a tip-broker application: it signs
// end-user JWTs with an RSA-2048 key and serves the public key as a JWK Set
// (RFC 7517 §5) at GET /.well-known/jwks.json. All methods are safe for
// concurrent use.
type AppIssuer struct {
	now    func() time.Time
	issuer string
	url    string
	srv    *http.Server
	closed sync.Once

	mu      sync.Mutex
	key     *rsa.PrivateKey
	kid     string
	fetches int
	delay   time.Duration
	status  int
	hold    chan struct{} // non-nil: JWK Set answers wait until it closes
}

// appIssuerTTL is the lifetime Mint gives tokens without "exp".
const appIssuerTTL = time.Hour

// NewAppIssuer starts an AppIssuer on a loopback address. Call Close when done.
func NewAppIssuer(o AppIssuerOptions) (*AppIssuer, error) {
	key, kid, err := appNewKey(o.Key)
	if err != nil {
		return nil, fmt.Errorf("new app issuer: %w", err)
	}
	ln, err := appListen(o.Addr)
	if err != nil {
		return nil, fmt.Errorf("new app issuer: %w", err)
	}
	i := &AppIssuer{now: o.Now, issuer: o.Issuer, key: key, kid: kid}
	if i.now == nil {
		i.now = time.Now
	}
	i.url = "http://" + ln.Addr().String()
	if i.issuer == "" {
		i.issuer = i.url
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/jwks.json", i.handleJWKS)
	i.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = i.srv.Serve(ln) }()
	return i, nil
}

// appNewKey returns k, or a new RSA-2048 key when k is nil, and its kid (a
// truncated RFC 7638 thumbprint).
func appNewKey(k *rsa.PrivateKey) (*rsa.PrivateKey, string, error) {
	if k == nil {
		var err error
		if k, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			return nil, "", fmt.Errorf("generate key: %w", err)
		}
	}
	pub := jose.JSONWebKey{Key: &k.PublicKey}
	tp, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, "", fmt.Errorf("key thumbprint: %w", err)
	}
	return k, base64.RawURLEncoding.EncodeToString(tp)[:16], nil
}

// appListen binds addr after checking it is a loopback address.
func appListen(addr string) (net.Listener, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("listen address %q: %w", addr, err)
	}
	if host == "localhost" {
		host = "127.0.0.1"
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("listen address %q is not loopback", addr)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(ip.String(), port))
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ln, nil
}

// JWKSURL is the URL of the JWK Set.
func (i *AppIssuer) JWKSURL() string { return i.url + "/.well-known/jwks.json" }

// Close stops the server. It is idempotent.
func (i *AppIssuer) Close() {
	i.closed.Do(func() { _ = i.srv.Close() })
}

// Mint signs claims with the current key (RS256, with kid). It adds "iss"
// when absent, and "iat" (now) and "exp" (now + 1h) unless present. A claim
// whose value is nil is left out, so {"exp": nil} mints a token without exp.
func (i *AppIssuer) Mint(claims map[string]any) (string, error) {
	i.mu.Lock()
	key, kid := i.key, i.kid
	i.mu.Unlock()
	return i.MintWith(string(jose.RS256), key, kid, claims)
}

// MintWith signs claims (completed as by Mint) with alg and key, for
// negative tests: key may be any private key go-jose signs with, or []byte
// for HS*; nil means the current RSA key. kid is used as given; an empty
// kid leaves the header without one. alg "none" is not supported: build
// such a token by hand.
func (i *AppIssuer) MintWith(alg string, key any, kid string, claims map[string]any) (string, error) {
	if key == nil {
		i.mu.Lock()
		key = i.key
		i.mu.Unlock()
	}
	payload, err := json.Marshal(i.completeClaims(claims))
	if err != nil {
		return "", fmt.Errorf("mint: encode claims: %w", err)
	}
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		// As a header rather than JSONWebKey.KeyID, which go-jose drops for []byte keys.
		opts = opts.WithHeader("kid", kid)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg), Key: key}, opts)
	if err != nil {
		return "", fmt.Errorf("mint: signer for %s: %w", alg, err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("mint: sign: %w", err)
	}
	return jws.CompactSerialize()
}

// completeClaims copies claims, adds iss/iat/exp defaults and drops nil values.
func (i *AppIssuer) completeClaims(claims map[string]any) map[string]any {
	now := i.now()
	c := map[string]any{"iss": i.issuer, "iat": now.Unix(), "exp": now.Add(appIssuerTTL).Unix()}
	maps.Copy(c, claims)
	maps.DeleteFunc(c, func(_ string, v any) bool { return v == nil })
	return c
}

// handleJWKS serves the current public key, after the configured delay.
func (i *AppIssuer) handleJWKS(w http.ResponseWriter, r *http.Request) {
	i.mu.Lock()
	i.fetches++
	delay, status, hold := i.delay, i.status, i.hold
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key: &i.key.PublicKey, KeyID: i.kid, Algorithm: string(jose.RS256), Use: "sig",
	}}}
	i.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
	}
	if hold != nil {
		select {
		case <-hold:
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if status != 0 && status != http.StatusOK {
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"error":"unavailable"}`))
		return
	}
	_ = json.NewEncoder(w).Encode(set)
}
