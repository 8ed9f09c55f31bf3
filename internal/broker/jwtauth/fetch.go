package jwtauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// maxJWKSURLLen bounds a JWKS URL.
const maxJWKSURLLen = 2048

// CheckJWKSURL accepts an absolute https URL, or an http URL whose host is
// loopback (127.0.0.0/8, ::1 or localhost), of at most 2048 characters,
// without user info or fragment. Registration and every fetch (including
// redirects) apply it.
func CheckJWKSURL(raw string) error {
	if raw == "" {
		return errors.New("jwks url is empty")
	}
	if len(raw) > maxJWKSURLLen {
		return fmt.Errorf("jwks url longer than %d characters", maxJWKSURLLen)
	}
	if strings.Contains(raw, "#") {
		return errors.New("jwks url must not have a fragment")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("jwks url does not parse")
	}
	if u.User != nil {
		return errors.New("jwks url must not have user info")
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return errors.New("jwks url must be absolute with a host")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopbackHost(u.Hostname()) {
			return nil
		}
		return errors.New("jwks url must be https (http only for loopback)")
	}
	return errors.New("jwks url must be https (http only for loopback)")
}

// isLoopbackHost reports whether host is localhost or a loopback IP.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// safeClient returns a copy of c (or a default client) whose redirects
// must pass CheckJWKSURL and never go from https to http.
func safeClient(c *http.Client) *http.Client {
	if c == nil {
		c = &http.Client{Timeout: defaultHTTPTimeout}
	}
	cp := *c
	prev := c.CheckRedirect
	cp.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return errors.New("too many redirects")
		}
		if err := CheckJWKSURL(req.URL.String()); err != nil {
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
	if err := CheckJWKSURL(rawURL); err != nil {
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

// parseJWKS decodes a JWK Set (RFC 7517 §5). Keys go-jose cannot parse,
// symmetric keys and private keys are skipped; at least one public key
// must remain.
func parseJWKS(body []byte) ([]jose.JSONWebKey, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("%w: not a JWK Set document", ErrJWKSUnavailable)
	}
	var keys []jose.JSONWebKey
	for _, raw := range doc.Keys {
		var k jose.JSONWebKey
		if err := json.Unmarshal(raw, &k); err != nil {
			continue
		}
		if k.Valid() && k.IsPublic() {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: no usable public key in JWK Set", ErrJWKSUnavailable)
	}
	return keys, nil
}
