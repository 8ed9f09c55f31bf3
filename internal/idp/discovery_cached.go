package idp

import (
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

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/tip-cli/tip-cli/internal/cred"
)

// discoveryDoc is the part of an OpenID Connect discovery document
// (Discovery 1.0 §3) tip-cli uses.
type discoveryDoc struct {
	Issuer        string   `json:"issuer"`
	AuthURL       string   `json:"authorization_endpoint"`
	TokenURL      string   `json:"token_endpoint"`
	DeviceAuthURL string   `json:"device_authorization_endpoint"`
	JWKSURI       string   `json:"jwks_uri"`
	Algorithms    []string `json:"id_token_signing_alg_values_supported"`
}

// signingAlgs are the JWS algorithms go-oidc verifies.
func signingAlgs() []string {
	return []string{oidc.RS256, oidc.RS384, oidc.RS512, oidc.ES256, oidc.ES384, oidc.ES512,
		oidc.PS256, oidc.PS384, oidc.PS512, oidc.EdDSA}
}

// discoverCached is discover with the on-disk metadata cache. The cache is
// not authenticated (anyone who can write the config directory can write
// it), so a cached document is used only when pin, kept beside the refresh
// token, names its digest and its pinned lifetime holds; anything else is
// fetched from the issuer, cached and pinned anew. With no pin (a sign-in,
// Verify) nothing is read from the cache: the endpoints a user's browser
// and authorization code go to come from the issuer itself.
func (c *Client) discoverCached(ctx context.Context, hc *http.Client, pin *cred.IdPMetadata) (*provider, error) {
	cache := c.Metadata
	next, entry := &cred.IdPMetadata{Issuer: c.Issuer}, &metadataEntry{Issuer: c.Issuer}
	if pin != nil && pin.Issuer == c.Issuer {
		*next = *pin
		if realDir(cache.Dir) {
			entry = cache.load(c.Issuer)
		}
	}
	doc, err := c.discoveryDoc(ctx, hc, entry, next)
	if err != nil {
		return nil, &discoveryError{Issuer: c.Issuer, Err: err}
	}
	algs := slices.DeleteFunc(slices.Clone(doc.Algorithms), func(a string) bool { return !slices.Contains(signingAlgs(), a) })
	if len(algs) == 0 {
		algs = []string{oidc.RS256}
	}
	keys := &cachedKeySet{cache: cache, entry: entry, pin: next, uri: doc.JWKSURI, hc: hc, algs: algs}
	return &provider{
		oauth: oauth2.Config{ClientID: c.ClientID, Scopes: c.scopes(), Endpoint: oauth2.Endpoint{
			AuthURL: doc.AuthURL, TokenURL: doc.TokenURL, DeviceAuthURL: doc.DeviceAuthURL,
			AuthStyle: oauth2.AuthStyleInParams, // public client: client_id in the body, no secret
		}},
		verifier: oidc.NewVerifier(c.Issuer, keys, &oidc.Config{ClientID: c.ClientID, Now: c.now, SupportedSigningAlgs: algs}),
		keys:     keys,
		hc:       hc,
		now:      c.now,
	}, nil
}

// discoveryDoc returns the issuer's discovery document from entry while
// pin vouches for it, else fetches, checks, caches and pins it.
func (c *Client) discoveryDoc(ctx context.Context, hc *http.Client, entry *metadataEntry, pin *cred.IdPMetadata) (*discoveryDoc, error) {
	now := c.Metadata.now()
	if raw := entry.discovery(now); raw != nil && pinned(raw, pin.DiscoverySHA256, pin.DiscoveryFetched, pin.DiscoveryExpires, now) {
		if doc, err := parseDiscovery(raw, c.Issuer); err == nil {
			return doc, nil
		}
	}
	raw, life, err := fetchMetadata(ctx, hc, strings.TrimSuffix(c.Issuer, "/")+"/.well-known/openid-configuration")
	if err != nil {
		return nil, err
	}
	doc, err := parseDiscovery(raw, c.Issuer)
	if err != nil {
		return nil, err
	}
	entry.Discovery, entry.DiscoveryFetched, entry.DiscoveryExpires = raw, now, now.Add(life)
	c.Metadata.save(entry)
	pin.DiscoverySHA256, pin.DiscoveryFetched, pin.DiscoveryExpires = digest(raw), now, now.Add(life)
	return doc, nil
}

// parseDiscovery decodes and checks a discovery document: its issuer must
// be the configured one exactly (Discovery 1.0 §4.3), and the endpoints
// tip-cli uses must be present.
func parseDiscovery(raw []byte, issuer string) (*discoveryDoc, error) {
	var d discoveryDoc
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("malformed discovery document: %w", err)
	}
	if d.Issuer != issuer {
		return nil, fmt.Errorf("issuer did not match the issuer returned by provider, expected %q got %q", issuer, d.Issuer)
	}
	if d.AuthURL == "" || d.TokenURL == "" || d.JWKSURI == "" {
		return nil, errors.New("discovery document lacks authorization_endpoint, token_endpoint or jwks_uri")
	}
	return &d, nil
}

// fetchMetadata GETs a public metadata document (at most 1 MiB) and how
// long it may be cached.
func fetchMetadata(ctx context.Context, hc *http.Client, url string) ([]byte, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxMetadataBytes+1))
	if err != nil {
		return nil, 0, fmt.Errorf("read %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("GET %s: HTTP %d", url, resp.StatusCode)
	}
	if len(body) > maxMetadataBytes {
		return nil, 0, fmt.Errorf("GET %s: response larger than 1 MiB", url)
	}
	return body, cacheLifetime(resp.Header), nil
}

// cachedKeySet is an oidc.KeySet over the cached JWKS: it verifies with
// the cached keys while pin vouches for them and refetches once when the
// token's kid is unknown or its signature does not verify (a rotated key).
type cachedKeySet struct {
	cache *MetadataCache
	uri   string
	hc    *http.Client
	algs  []string

	mu    sync.Mutex
	entry *metadataEntry
	pin   *cred.IdPMetadata
}

// VerifySignature implements oidc.KeySet.
func (k *cachedKeySet) VerifySignature(ctx context.Context, jwt string) ([]byte, error) {
	algs := make([]jose.SignatureAlgorithm, len(k.algs))
	for i, a := range k.algs {
		algs[i] = jose.SignatureAlgorithm(a)
	}
	jws, err := jose.ParseSignedCompact(jwt, algs)
	if err != nil {
		return nil, fmt.Errorf("malformed jwt: %w", err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.cache.now()
	if raw := k.entry.jwks(k.uri, now); raw != nil && pinned(raw, k.pin.JWKSSHA256, k.pin.JWKSFetched, k.pin.JWKSExpires, now) {
		if payload, ok := verifyWithSet(jws, raw); ok {
			return payload, nil
		}
	}
	raw, life, err := fetchMetadata(ctx, k.hc, k.uri)
	if err != nil {
		return nil, fmt.Errorf("fetch keys: %w", err)
	}
	now = k.cache.now()
	k.entry.JWKSURI, k.entry.JWKS, k.entry.JWKSFetched, k.entry.JWKSExpires = k.uri, raw, now, now.Add(life)
	k.cache.save(k.entry)
	k.pin.JWKSSHA256, k.pin.JWKSFetched, k.pin.JWKSExpires = digest(raw), now, now.Add(life)
	if payload, ok := verifyWithSet(jws, raw); ok {
		return payload, nil
	}
	return nil, errors.New("failed to verify id token signature")
}

// pinned returns a copy of the pin as it stands after the verifications
// so far: what the tokens they produced are saved with.
func (k *cachedKeySet) pinned() *cred.IdPMetadata {
	k.mu.Lock()
	defer k.mu.Unlock()
	p := *k.pin
	return &p
}

// verifyWithSet verifies jws with the keys of the JWKS raw matching its
// kid (all keys when it has none).
func verifyWithSet(jws *jose.JSONWebSignature, raw []byte) ([]byte, bool) {
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(raw, &set); err != nil {
		return nil, false
	}
	kid := jws.Signatures[0].Header.KeyID
	for _, key := range set.Keys {
		if kid != "" && key.KeyID != kid || key.Use != "" && key.Use != "sig" {
			continue
		}
		if payload, err := jws.Verify(key); err == nil {
			return payload, true
		}
	}
	return nil, false
}
