package idpemu

import (
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// idpCodeTTL is the lifetime of an authorization code.
const idpCodeTTL = 60 * time.Second

// idpCode is an issued authorization code and everything it is bound to.
type idpCode struct {
	grant       idpGrant
	redirectURI string
	challenge   string
	expires     time.Time
	used        bool
	family      string // grant family issued from this code, for reuse revocation
}

// idpAuthError is an OAuth error to send back to the redirect URI
// (RFC 6749 §4.1.2.1).
type idpAuthError struct {
	code, description string
}

func (e *idpAuthError) Error() string { return e.code + ": " + e.description }

// handleAuthorize implements the authorization endpoint (RFC 6749 §4.1.1
// with RFC 7636 §4.3). The simulated user signs in at once.
func (i *IdP) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	i.count("authorize")
	q := r.URL.Query()
	if len(q["client_id"]) != 1 || q.Get("client_id") != i.clientID {
		idpHTMLError(w, "unknown or missing client_id")
		return
	}
	if len(q["redirect_uri"]) != 1 {
		idpHTMLError(w, "missing or repeated redirect_uri")
		return
	}
	redirectURI := q.Get("redirect_uri")
	if err := idpCheckRedirectURI(redirectURI); err != nil {
		idpHTMLError(w, err.Error())
		return
	}
	state := q.Get("state")
	g, challenge, err := i.checkAuthorizeParams(q)
	if err == nil {
		err = i.takeDenial()
	}
	var ae *idpAuthError
	if errors.As(err, &ae) {
		idpRedirect(w, redirectURI, url.Values{
			"error": {ae.code}, "error_description": {ae.description}, "state": {state},
		})
		return
	}
	code := idpRandom(32)
	now := i.now()
	i.mu.Lock()
	g.user, g.authTime = i.current, now
	i.pruneCodesLocked(now)
	i.codes[code] = &idpCode{
		grant: g, redirectURI: redirectURI, challenge: challenge, expires: now.Add(idpCodeTTL),
	}
	i.mu.Unlock()
	idpRedirect(w, redirectURI, url.Values{"code": {code}, "state": {state}})
}

// checkAuthorizeParams validates the request parameters other than
// client_id and redirect_uri and returns the grant they describe.
func (i *IdP) checkAuthorizeParams(q url.Values) (idpGrant, string, error) {
	for _, k := range []string{"response_type", "scope", "state", "nonce", "code_challenge", "code_challenge_method"} {
		if len(q[k]) > 1 {
			return idpGrant{}, "", &idpAuthError{"invalid_request", k + " is repeated"}
		}
	}
	if rt := q.Get("response_type"); rt != "code" {
		return idpGrant{}, "", &idpAuthError{"unsupported_response_type", "response_type must be code"}
	}
	scopes, err := idpParseScopes(q.Get("scope"))
	if err != nil {
		return idpGrant{}, "", err
	}
	switch {
	case q.Get("state") == "":
		return idpGrant{}, "", &idpAuthError{"invalid_request", "state is required"}
	case q.Get("nonce") == "":
		return idpGrant{}, "", &idpAuthError{"invalid_request", "nonce is required"}
	case q.Get("code_challenge") == "":
		return idpGrant{}, "", &idpAuthError{"invalid_request", "PKCE code_challenge is required"}
	case q.Get("code_challenge_method") != "S256":
		return idpGrant{}, "", &idpAuthError{"invalid_request", "code_challenge_method must be S256"}
	case !idpValidChallenge(q.Get("code_challenge")):
		return idpGrant{}, "", &idpAuthError{"invalid_request", "code_challenge is not a base64url SHA-256"}
	}
	g := idpGrant{clientID: i.clientID, scopes: scopes, nonce: q.Get("nonce")}
	return g, q.Get("code_challenge"), nil
}

// takeDenial consumes a pending DenyNext.
func (i *IdP) takeDenial() error {
	i.mu.Lock()
	defer i.mu.Unlock()
	code := i.denyNext
	i.denyNext = ""
	if code == "" {
		return nil
	}
	desc := "the authorization server denied the request"
	if code == "access_denied" {
		desc = "the user denied the request"
	}
	return &idpAuthError{code, desc}
}

// pruneCodesLocked forgets codes long expired. Used codes are kept until
// then so that reuse is detected. The caller holds i.mu.
func (i *IdP) pruneCodesLocked(now time.Time) {
	for k, c := range i.codes {
		if now.Sub(c.expires) > 10*time.Minute {
			delete(i.codes, k)
		}
	}
}

// idpParseScopes splits a scope parameter, requires openid and rejects
// unknown scopes (invalid_scope).
func idpParseScopes(s string) ([]string, error) {
	scopes := strings.Fields(s)
	if !slices.Contains(scopes, "openid") {
		return nil, &idpAuthError{"invalid_scope", "scope must include openid"}
	}
	for _, sc := range scopes {
		if !slices.Contains(idpScopes(), sc) {
			return nil, &idpAuthError{"invalid_scope", fmt.Sprintf("scope %q is not allowed", sc)}
		}
	}
	return slices.Compact(slices.Sorted(slices.Values(scopes))), nil
}

// idpValidChallenge reports whether c is 43 base64url characters, the
// encoding of a SHA-256 digest (RFC 7636 §4.2).
func idpValidChallenge(c string) bool {
	return len(c) == 43 && strings.Trim(c, idpUnreservedB64) == ""
}

// idpUnreservedB64 is the base64url alphabet.
const idpUnreservedB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// idpCheckRedirectURI accepts only http loopback URLs with an explicit port
// (RFC 8252 §7.3), without user info or fragment.
func idpCheckRedirectURI(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("redirect_uri is not a URL")
	}
	if u.Scheme != "http" || u.Opaque != "" || u.User != nil || u.Fragment != "" || strings.Contains(raw, "#") {
		return fmt.Errorf("redirect_uri must be an http loopback URL without user info or fragment")
	}
	host, port := u.Hostname(), u.Port()
	if port == "" || strings.Trim(port, "0123456789") != "" || port == "0" {
		return fmt.Errorf("redirect_uri must have a port")
	}
	if host != "localhost" {
		ip := net.ParseIP(host)
		if ip == nil || !ip.IsLoopback() || strings.Contains(host, "%") {
			return fmt.Errorf("redirect_uri host must be localhost, 127.0.0.1 or [::1]")
		}
	}
	return nil
}

// idpRedirect sends a 302 to base with params added to its query.
func idpRedirect(w http.ResponseWriter, base string, params url.Values) {
	u, err := url.Parse(base)
	if err != nil { // validated before; keep the promise of never redirecting blindly
		idpHTMLError(w, "invalid redirect_uri")
		return
	}
	q := u.Query()
	for k, v := range params {
		if len(v) == 1 && v[0] != "" {
			q.Set(k, v[0])
		}
	}
	u.RawQuery = q.Encode()
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", u.String())
	w.WriteHeader(http.StatusFound)
}

// idpHTMLError renders a 400 page for errors that must not be redirected
// (RFC 6749 §4.1.2.1).
func idpHTMLError(w http.ResponseWriter, msg string) {
	idpHTML(w, http.StatusBadRequest, "Sign-in error", msg)
}

// idpHTML renders a small HTML page with an escaped message.
func idpHTML(w http.ResponseWriter, status int, title, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, "<!doctype html>\n<html><head><title>%s</title></head><body><h1>%s</h1><p>%s</p></body></html>\n",
		html.EscapeString(title), html.EscapeString(title), html.EscapeString(msg))
}
