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

// discoverCached is discover with the on-disk metadata cache: the
// discovery document and the JWKS come from c.Metadata while fresh.
func (c *Client) discoverCached(ctx context.Context, hc *http.Client) (*provider, error) {
	cache := c.Metadata
	entry := cache.load(c.Issuer)
	doc, err := c.discoveryDoc(ctx, hc, entry)
	if err != nil {
		return nil, &DiscoveryError{Issuer: c.Issuer, Err: err}
	}
	algs := slices.DeleteFunc(slices.Clone(doc.Algorithms), func(a string) bool { return !slices.Contains(signingAlgs(), a) })
	if len(algs) == 0 {
		algs = []string{oidc.RS256}
	}
	keys := &cachedKeySet{cache: cache, entry: entry, uri: doc.JWKSURI, hc: hc, algs: algs}
	return &provider{
		oauth: oauth2.Config{ClientID: c.ClientID, Scopes: c.scopes(), Endpoint: oauth2.Endpoint{
			AuthURL: doc.AuthURL, TokenURL: doc.TokenURL, DeviceAuthURL: doc.DeviceAuthURL,
			AuthStyle: oauth2.AuthStyleInParams, // public client: client_id in the body, no secret
		}},
		verifier: oidc.NewVerifier(c.Issuer, keys, &oidc.Config{ClientID: c.ClientID, Now: c.now, SupportedSigningAlgs: algs}),
		hc:       hc,
		now:      c.now,
	}, nil
}

// discoveryDoc returns the issuer's discovery document from entry while
// fresh, else fetches, checks and caches it.
func (c *Client) discoveryDoc(ctx context.Context, hc *http.Client, entry *metadataEntry) (*discoveryDoc, error) {
	now := c.Metadata.now()
	if raw := entry.discovery(now); raw != nil {
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
	entry.Discovery, entry.DiscoveryExpires = raw, now.Add(life)
	c.Metadata.save(entry)
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
// the cached keys while fresh and refetches once when the token's kid is
// unknown or its signature does not verify (a rotated key).
type cachedKeySet struct {
	cache *MetadataCache
	uri   string
	hc    *http.Client
	algs  []string

	mu    sync.Mutex
	entry *metadataEntry
}

// VerifySignature implements oidc.KeySet.
func (k *cachedKeySet) VerifySignature(ctx context.Context, jwt string) ([]byte, error) {
	algs := make([]jose.SignatureAlgorithm, len(k.algs))
	for i, a := range k.algs {
		algs[i] = jose.SignatureAlgorithm(a)
	}
	jws, err := jose.ParseSigned(jwt, algs)
	if err != nil {
		return nil, fmt.Errorf("malformed jwt: %w", err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if raw := k.entry.jwks(k.uri, k.cache.now()); raw != nil {
		if payload, ok := verifyWithSet(jws, raw); ok {
			return payload, nil
		}
	}
	raw, life, err := fetchMetadata(ctx, k.hc, k.uri)
	if err != nil {
		return nil, fmt.Errorf("fetch keys: %w", err)
	}
	now := k.cache.now()
	k.entry.JWKSURI, k.entry.JWKS, k.entry.JWKSFetched, k.entry.JWKSExpires = k.uri, raw, now, now.Add(life)
	k.cache.save(k.entry)
	if payload, ok := verifyWithSet(jws, raw); ok {
		return payload, nil
	}
	return nil, errors.New("failed to verify id token signature")
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
