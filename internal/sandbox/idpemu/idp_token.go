package idpemu

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// idpGrantDevice is the device authorization grant type (RFC 8628 §3.4).
const idpGrantDevice = "urn:ietf:params:oauth:grant-type:device_code"

// handleToken implements the token endpoint (RFC 6749 §3.2) for a public
// client: authorization_code with PKCE, rotating refresh_token and
// device_code.
func (i *IdP) handleToken(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		idpWriteOAuthError(w, &idpAuthError{"invalid_request", "malformed form body"}, false)
		return
	}
	form := r.PostForm
	grant := form.Get("grant_type")
	i.count(idpTokenCounter(grant))
	for k, v := range form {
		if len(v) > 1 {
			idpWriteOAuthError(w, &idpAuthError{"invalid_request", k + " is repeated"}, false)
			return
		}
	}
	_, _, basic := r.BasicAuth()
	clientID, err := i.authenticateClient(r, form)
	if err != nil {
		idpWriteOAuthError(w, err, basic)
		return
	}
	var resp map[string]any
	switch grant {
	case "authorization_code":
		resp, err = i.exchangeCode(clientID, form)
	case "refresh_token":
		resp, err = i.refreshGrant(clientID, form)
	case idpGrantDevice:
		resp, err = i.deviceGrant(clientID, form)
	case "":
		err = &idpAuthError{"invalid_request", "grant_type is required"}
	default:
		err = &idpAuthError{"unsupported_grant_type", "grant_type is not supported"}
	}
	if err != nil {
		idpWriteOAuthError(w, err, basic)
		return
	}
	if grant == "refresh_token" {
		// The refresh is done (the old token is spent); a held answer lets
		// a test kill the client before it arrives (HoldRefreshAnswers).
		i.mu.Lock()
		hold := i.refreshHold
		i.mu.Unlock()
		if hold != nil {
			select { // never block the IdP on a test that stopped listening
			case hold.spent <- struct{}{}:
			default:
			}
			select {
			case <-hold.release:
			case <-r.Context().Done():
			}
		}
	}
	w.Header().Set("Pragma", "no-cache")
	idpWriteJSON(w, http.StatusOK, resp)
}

// idpTokenCounter names the counter of a token request.
func idpTokenCounter(grant string) string {
	switch grant {
	case "authorization_code", "refresh_token":
		return "token:" + grant
	case idpGrantDevice:
		return "token:device_code"
	default:
		return "token:other"
	}
}

// authenticateClient returns the public client id, from the form or from
// HTTP Basic (RFC 6749 §2.3.1, as x/oauth2 sends it). A public client has no
// secret: presenting one fails like an unknown client.
func (i *IdP) authenticateClient(r *http.Request, form url.Values) (string, error) {
	id, secret := form.Get("client_id"), form.Get("client_secret")
	if user, pass, ok := r.BasicAuth(); ok {
		u, err := url.QueryUnescape(user)
		if err != nil {
			return "", &idpAuthError{"invalid_client", "malformed basic credentials"}
		}
		if id != "" && id != u {
			return "", &idpAuthError{"invalid_request", "client_id in form and header differ"}
		}
		if secret != "" {
			return "", &idpAuthError{"invalid_request", "more than one client authentication method"}
		}
		id, secret = u, pass
	}
	if id != i.clientID {
		return "", &idpAuthError{"invalid_client", "unknown client"}
	}
	if secret != "" {
		return "", &idpAuthError{"invalid_client", "public client must not send a secret"}
	}
	return id, nil
}

// exchangeCode redeems an authorization code (RFC 6749 §4.1.3, RFC 7636
// §4.6). A code is consumed by its first redemption attempt; a second one
// revokes the tokens issued from it (RFC 6749 §4.1.2).
func (i *IdP) exchangeCode(clientID string, form url.Values) (map[string]any, error) {
	code, redirectURI, verifier := form.Get("code"), form.Get("redirect_uri"), form.Get("code_verifier")
	switch {
	case code == "":
		return nil, &idpAuthError{"invalid_request", "code is required"}
	case redirectURI == "":
		return nil, &idpAuthError{"invalid_request", "redirect_uri is required"}
	case verifier == "":
		return nil, &idpAuthError{"invalid_request", "PKCE code_verifier is required"}
	case !idpValidVerifier(verifier):
		return nil, &idpAuthError{"invalid_request", "code_verifier must be 43-128 unreserved characters"}
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	c, ok := i.codes[code]
	if !ok {
		return nil, &idpAuthError{"invalid_grant", "authorization code is invalid"}
	}
	if c.used {
		if f := i.families[c.family]; f != nil {
			f.revoked = true
		}
		return nil, &idpAuthError{"invalid_grant", "authorization code was already used"}
	}
	c.used = true
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	switch {
	case i.now().After(c.expires):
		return nil, &idpAuthError{"invalid_grant", "authorization code expired"}
	case c.grant.clientID != clientID:
		return nil, &idpAuthError{"invalid_grant", "authorization code was issued to another client"}
	case c.redirectURI != redirectURI:
		return nil, &idpAuthError{"invalid_grant", "redirect_uri does not match the authorization request"}
	case subtle.ConstantTimeCompare([]byte(challenge), []byte(c.challenge)) != 1:
		return nil, &idpAuthError{"invalid_grant", "PKCE verification failed"}
	}
	resp, family, err := i.issueLocked(c.grant, "")
	c.family = family
	return resp, err
}

// idpValidVerifier checks the code_verifier syntax of RFC 7636 §4.1.
func idpValidVerifier(v string) bool {
	return len(v) >= 43 && len(v) <= 128 && strings.Trim(v, idpUnreservedB64+".~") == ""
}

// refreshGrant rotates a refresh token (RFC 6749 §6, OAuth 2.0 Security
// BCP §4.14.2): the presented token dies, a new one is returned, and
// presenting a dead token again revokes the whole family.
func (i *IdP) refreshGrant(clientID string, form url.Values) (map[string]any, error) {
	rt := form.Get("refresh_token")
	if rt == "" {
		return nil, &idpAuthError{"invalid_request", "refresh_token is required"}
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	t, ok := i.refresh[rt]
	if !ok {
		return nil, &idpAuthError{"invalid_grant", "refresh token is invalid"}
	}
	f := i.families[t.family]
	switch {
	case f.grant.clientID != clientID:
		return nil, &idpAuthError{"invalid_grant", "refresh token was issued to another client"}
	case t.used:
		f.revoked = true
		i.counts[ReuseRevokedCount]++
		return nil, &idpAuthError{"invalid_grant", "refresh token was already used; the grant is revoked"}
	case f.revoked:
		return nil, &idpAuthError{"invalid_grant", "refresh token was revoked"}
	}
	g := f.grant
	if !i.noJTI {
		g.nonce = ""
	}
	if s := form.Get("scope"); s != "" {
		scopes, err := idpParseScopes(s)
		if err != nil {
			return nil, err
		}
		for _, sc := range scopes {
			if !slices.Contains(f.grant.scopes, sc) {
				return nil, &idpAuthError{"invalid_scope", "scope exceeds the original grant"}
			}
		}
		g.scopes = scopes
	}
	t.used = true
	resp, _, err := i.issueLocked(g, t.family)
	return resp, err
}

// idpWriteOAuthError writes an RFC 6749 §5.2 error: 401 for
// invalid_client, 400 otherwise.
func idpWriteOAuthError(w http.ResponseWriter, err error, basic bool) {
	var ae *idpAuthError
	if !errors.As(err, &ae) {
		ae = &idpAuthError{"server_error", "internal error"}
		w.Header().Set("Pragma", "no-cache")
		idpWriteJSON(w, http.StatusInternalServerError, map[string]string{
			"error": ae.code, "error_description": ae.description,
		})
		return
	}
	status := http.StatusBadRequest
	if ae.code == "invalid_client" {
		status = http.StatusUnauthorized
		if basic {
			w.Header().Set("WWW-Authenticate", `Basic realm="tip-cli-sandbox"`)
		}
	}
	w.Header().Set("Pragma", "no-cache")
	idpWriteJSON(w, status, map[string]string{"error": ae.code, "error_description": ae.description})
}

// idpWriteJSON writes v as JSON, never cached.
func idpWriteJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":"server_error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	if _, set := w.Header()["Cache-Control"]; !set { // metadata sets its own (cacheControl)
		w.Header().Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}
