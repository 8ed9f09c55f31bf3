package jwtauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/tip-cli/tip-cli/internal/loopback"
)

// maxJWKSURLLen bounds a JWKS URL.
const maxJWKSURLLen = 2048

// CheckJWKSURL accepts an absolute https URL of at most 2048 characters,
// without user info or fragment, whose host is not an address the policy
// refuses: loopback, private, unique-local, link-local, metadata,
// multicast or reserved IP literals and the name localhost. With
// allowPrivate (labs, the sandbox) loopback and private addresses pass,
// and http is accepted for loopback hosts. Registration and every fetch
// (including redirects) apply it; names are checked again at dial time.
func CheckJWKSURL(raw string, allowPrivate bool) error {
	u, err := parseJWKSURL(raw)
	if err != nil {
		return err
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") && !allowPrivate {
		return fmt.Errorf("%w: localhost (allowed only with --insecure-allow-private-jwks)", errAddressRefused)
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if err := checkAddr(a, allowPrivate); err != nil {
			return err
		}
	}
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && allowPrivate && loopback.IsHost(host):
		return nil
	}
	return errors.New("jwks url must be https (http only for loopback with --insecure-allow-private-jwks)")
}

// parseJWKSURL checks the URL's form.
func parseJWKSURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("jwks url is empty")
	}
	if len(raw) > maxJWKSURLLen {
		return nil, fmt.Errorf("jwks url longer than %d characters", maxJWKSURLLen)
	}
	if strings.Contains(raw, "#") {
		return nil, errors.New("jwks url must not have a fragment")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("jwks url does not parse")
	}
	if u.User != nil {
		return nil, errors.New("jwks url must not have user info")
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return nil, errors.New("jwks url must be absolute with a host")
	}
	return u, nil
}

// safeClient returns a copy of c (or a default client) that dials only
// addresses the policy allows and whose redirects must pass CheckJWKSURL
// and never go from https to http.
func safeClient(c *http.Client, lookup LookupFunc, allowPrivate bool) *http.Client {
	cp := *policyClient(c, lookup, allowPrivate)
	prev := cp.CheckRedirect
	cp.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return errors.New("too many redirects")
		}
		if err := CheckJWKSURL(req.URL.String(), allowPrivate); err != nil {
			return fmt.Errorf("redirect refused: %w", err)
		}
		for _, r := range via {
			if r.URL.Scheme == "https" && req.URL.Scheme != "https" {
				return errors.New("redirect refused: https to http")
			}
		}
		if prev != nil {
			return prev(req, via)
		}
		return nil
	}
	return &cp
}

// fetch GETs the JWK Set at rawURL and returns its usable public keys.
// Every error wraps ErrJWKSUnavailable.
func (v *Verifier) fetch(ctx context.Context, rawURL string) ([]jose.JSONWebKey, error) {
	if err := CheckJWKSURL(rawURL, v.allowPrivate); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrJWKSUnavailable, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: build request: %w", ErrJWKSUnavailable, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := v.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrJWKSUnavailable, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %s answered HTTP %d", ErrJWKSUnavailable, rawURL, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, int64(v.maxJWKS)+1))
	if err != nil {
		return nil, fmt.Errorf("%w: read %s: %w", ErrJWKSUnavailable, rawURL, err)
	}
	if len(body) > v.maxJWKS {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrJWKSUnavailable, rawURL, v.maxJWKS)
	}
	return parseJWKS(body)
}

// Caps on a key set: each key a token's kid selects costs one signature
// verification per request (a 4096-bit RSA verification is ~0.1 ms of CPU;
// 340 copies under one kid cost 0.4 s), so a registered application could
// otherwise spend the broker's CPU with its own key set.
const (
	maxKeysPerSet = 100
	maxKeysPerKid = 4
)

// parseJWKS decodes a JWK Set (RFC 7517 §5). Keys go-jose cannot parse,
// symmetric keys and private keys are skipped; at least one public key
// must remain. A set with more than maxKeysPerSet entries, or more than
// maxKeysPerKid usable keys under one kid, is refused whole: trying only
// some of them would make which token verifies depend on key order.
func parseJWKS(body []byte) ([]jose.JSONWebKey, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("%w: not a JWK Set document", ErrJWKSUnavailable)
	}
	if len(doc.Keys) > maxKeysPerSet {
		return nil, fmt.Errorf("%w: JWK Set has more than %d keys", ErrJWKSUnavailable, maxKeysPerSet)
	}
	var keys []jose.JSONWebKey
	perKid := map[string]int{}
	for _, raw := range doc.Keys {
		var k jose.JSONWebKey
		if err := json.Unmarshal(raw, &k); err != nil {
			continue
		}
		if !k.Valid() || !k.IsPublic() {
			continue
		}
		if perKid[k.KeyID]++; k.KeyID != "" && perKid[k.KeyID] > maxKeysPerKid {
			return nil, fmt.Errorf("%w: JWK Set has more than %d keys with kid %.64q", ErrJWKSUnavailable, maxKeysPerKid, k.KeyID)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: no usable public key in JWK Set", ErrJWKSUnavailable)
	}
	return keys, nil
}
