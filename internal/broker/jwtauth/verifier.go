// Package jwtauth verifies the end-user JWTs that applications hand to
// tip-broker. Each application registers its own JWK Set URL (RFC 7517 §5);
// a Verifier keeps one cached key set per URL, refreshes it after a TTL or
// on an unknown "kid" (at most once per interval), and single-flights
// fetches so a burst of requests for a cold URL costs one HTTP GET.
//
// Verification follows RFC 7515 (JWS compact serialization) and RFC 7519
// (JWT): the "alg" header must be in an asymmetric allow-list ("none" and
// the HMAC algorithms are never accepted, which rules out the classic
// RS256→HS256 key confusion), the key is chosen by "kid" and must fit the
// algorithm, "exp" is required and "nbf"/"iat" are checked with a small
// skew, "iss" and "aud" when the caller expects them.
package jwtauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// ErrInvalidToken is wrapped by every error about the token itself: size,
// syntax, algorithm, key, signature or claims. Callers map it to HTTP 403.
var ErrInvalidToken = errors.New("invalid token")

// ErrJWKSUnavailable is wrapped when the key set could not be fetched or
// was not a usable JWK Set document. Callers map it to HTTP 502.
var ErrJWKSUnavailable = errors.New("jwks unavailable")

// Defaults applied by NewVerifier to zero Options fields.
const (
	defaultTTL             = 15 * time.Minute
	defaultRefetchInterval = time.Minute
	defaultRefetchBurst    = 3
	defaultSkew            = 60 * time.Second
	defaultMaxTokenBytes   = 8192
	defaultMaxJWKSBytes    = 256 << 10
	defaultHTTPTimeout     = 5 * time.Second
	maxRedirects           = 3
)

// defaultAlgorithms is the default allow-list: RSA PKCS#1 v1.5, RSA-PSS and
// ECDSA (RFC 7518 §3). It returns a fresh slice.
func defaultAlgorithms() []string {
	return []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}
}

// Options configures NewVerifier. The zero value is usable.
type Options struct {
	// HTTPClient fetches key sets; default a client with a 5 s timeout.
	// Redirects are followed only to URLs that pass CheckJWKSURL and never
	// from https to http, whatever client is given.
	HTTPClient *http.Client
	// Now is the clock for claims and cache ages; default time.Now.
	Now func() time.Time
	// TTL is how long a fetched key set is used before a refetch; default 15 min.
	TTL time.Duration
	// RefetchInterval is the minimum time between two retries of a failed
	// fetch of one URL, and the refill time of one unknown-kid refetch
	// (see RefetchBurst); default 1 min.
	RefetchInterval time.Duration
	// Skew is the leeway for exp, nbf and iat; default 60 s.
	Skew time.Duration
	// Algorithms is the "alg" allow-list; default defaultAlgorithms().
	// "none" and HS* are dropped even when listed; if nothing remains,
	// every token is refused.
	Algorithms []string
	// MaxTokenBytes bounds the compact token; default 8192.
	MaxTokenBytes int
	// MaxJWKSBytes bounds a key set document; default 256 KiB.
	MaxJWKSBytes int
	// InsecureAllowPrivateNetworks lets JWKS URLs reach loopback and
	// private addresses (and use http on loopback): for labs and the
	// sandbox only, since any registered application could otherwise make
	// the broker probe its own network.
	InsecureAllowPrivateNetworks bool
	// Lookup resolves JWKS host names (default net.DefaultResolver).
	Lookup LookupFunc
	// RefetchBurst is how many unknown-kid refetches of one URL may happen
	// at once (default 3); one more is allowed per RefetchInterval.
	RefetchBurst int
}

// Verifier verifies JWTs against per-URL cached JWK Sets. It is safe for
// concurrent use.
type Verifier struct {
	client    *http.Client
	now       func() time.Time
	ttl       time.Duration
	refetch   time.Duration
	skew      time.Duration
	algs      []jose.SignatureAlgorithm
	maxToken  int
	maxJWKS   int
	mu        sync.Mutex
	entries   map[string]*entry
	fetchTime time.Duration // upper bound of one fetch, detached from callers
	// allowPrivate is Options.InsecureAllowPrivateNetworks.
	allowPrivate bool
	burst        int
}

// NewVerifier returns a Verifier with defaults applied to o.
func NewVerifier(o Options) *Verifier {
	v := &Verifier{
		client:    safeClient(o.HTTPClient, o.Lookup, o.InsecureAllowPrivateNetworks),
		now:       o.Now,
		ttl:       positive(o.TTL, defaultTTL),
		refetch:   positive(o.RefetchInterval, defaultRefetchInterval),
		skew:      positive(o.Skew, defaultSkew),
		maxToken:  o.MaxTokenBytes,
		maxJWKS:   o.MaxJWKSBytes,
		entries:   map[string]*entry{},
		fetchTime: 30 * time.Second,

		allowPrivate: o.InsecureAllowPrivateNetworks,
		burst:        o.RefetchBurst,
	}
	if v.burst <= 0 {
		v.burst = defaultRefetchBurst
	}
	if v.now == nil {
		v.now = time.Now
	}
	if v.maxToken <= 0 {
		v.maxToken = defaultMaxTokenBytes
	}
	if v.maxJWKS <= 0 {
		v.maxJWKS = defaultMaxJWKSBytes
	}
	names := o.Algorithms
	if len(names) == 0 {
		names = defaultAlgorithms()
	}
	for _, n := range names {
		if allowedAlg(n) && !slices.Contains(v.algs, jose.SignatureAlgorithm(n)) {
			v.algs = append(v.algs, jose.SignatureAlgorithm(n))
		}
	}
	return v
}

// positive returns d, or def when d is not positive.
func positive(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// allowedAlg reports whether name is an asymmetric JWS algorithm this
// package can verify; "none" and HMAC algorithms never are.
func allowedAlg(name string) bool {
	switch jose.SignatureAlgorithm(name) {
	case jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
		jose.ES256, jose.ES384, jose.ES512, jose.EdDSA:
		return true
	}
	return false
}

// Expect names the key set to verify against and the optional issuer and
// audience. Issuer and Audience are checked only when non-empty.
type Expect struct {
	JWKSetURL string
	Issuer    string
	Audience  string
}

// Verify checks token (a JWS compact serialization, RFC 7515 §7.1) against
// the key set at e.JWKSetURL and returns all of its claims. JSON numbers
// are returned as json.Number so numeric claims keep their exact text.
// Errors wrap ErrInvalidToken or ErrJWKSUnavailable (or the context error)
// and never contain the token.
func (v *Verifier) Verify(ctx context.Context, token string, e Expect) (map[string]any, error) {
	if len(token) > v.maxToken {
		return nil, fmt.Errorf("%w: token larger than %d bytes", ErrInvalidToken, v.maxToken)
	}
	if len(v.algs) == 0 {
		return nil, fmt.Errorf("%w: no signature algorithm allowed", ErrInvalidToken)
	}
	if err := CheckJWKSURL(e.JWKSetURL, v.allowPrivate); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrJWKSUnavailable, err)
	}
	jws, err := jose.ParseSignedCompact(token, v.algs)
	if err != nil {
		return nil, fmt.Errorf("%w: malformed: %s", ErrInvalidToken, redact(err, token))
	}
	if len(jws.Signatures) != 1 {
		return nil, fmt.Errorf("%w: want exactly one signature", ErrInvalidToken)
	}
	h := jws.Signatures[0].Header
	payload, err := v.verifySignature(ctx, jws, h, e.JWKSetURL)
	if err != nil {
		return nil, err
	}
	claims, err := decodeClaims(payload)
	if err != nil {
		return nil, err
	}
	if err := v.checkClaims(claims, e); err != nil {
		return nil, err
	}
	return claims, nil
}

// verifySignature finds the key for h (refetching once on an unknown kid)
// and verifies the signature, returning the payload.
func (v *Verifier) verifySignature(ctx context.Context, jws *jose.JSONWebSignature, h jose.Header, url string) ([]byte, error) {
	keys, fetched, stale, err := v.keySet(ctx, url, false)
	if err != nil {
		return nil, err
	}
	cands, err := selectKeys(keys, h.KeyID, h.Algorithm)
	if errors.Is(err, errUnknownKey) && fetched && stale != nil {
		// This request's own fetch failed: the key may be in the set we
		// cannot fetch (a transient failure, not a bad token).
		return nil, stale
	}
	if errors.Is(err, errUnknownKey) && !fetched {
		keys, _, stale, err = v.keySet(ctx, url, true)
		if err != nil {
			return nil, err
		}
		cands, err = selectKeys(keys, h.KeyID, h.Algorithm)
		if err != nil && stale != nil {
			// The key may exist in the set we cannot fetch.
			return nil, stale
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	for _, k := range cands {
		if payload, err := jws.Verify(k.Key); err == nil {
			return payload, nil
		}
	}
	return nil, fmt.Errorf("%w: signature does not verify", ErrInvalidToken)
}

// decodeClaims parses the JWT claims set, which must be one JSON object.
func decodeClaims(payload []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var claims map[string]any
	if err := dec.Decode(&claims); err != nil || claims == nil {
		return nil, fmt.Errorf("%w: claims are not a JSON object", ErrInvalidToken)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: trailing data after claims", ErrInvalidToken)
	}
	return claims, nil
}

// redact returns err's text unless it contains a piece of token long
// enough to matter, in which case a generic text is returned.
func redact(err error, token string) string {
	msg := err.Error()
	for _, part := range strings.Split(token, ".") {
		if len(part) >= 8 && strings.Contains(msg, part) {
			return "unparsable token"
		}
	}
	if len(token) >= 8 && strings.Contains(msg, token) {
		return "unparsable token"
	}
	return msg
}
