package idpemu

import (
	"net/http"
	"slices"
	"strings"
)

// handleUserInfo implements the OpenID Connect Core §5.3 userinfo endpoint
// for a Bearer access token (RFC 6750 §2.1).
func (i *IdP) handleUserInfo(w http.ResponseWriter, r *http.Request) {
	i.count("userinfo")
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	u, ok := i.userForAccessToken(scheme, token)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		idpWriteJSON(w, http.StatusUnauthorized, map[string]string{
			"error": "invalid_token", "error_description": "access token is invalid, expired or revoked",
		})
		return
	}
	groups := slices.Clone(u.Groups)
	if groups == nil {
		groups = []string{}
	}
	idpWriteJSON(w, http.StatusOK, map[string]any{
		"sub": u.Subject, "email": u.Email, "email_verified": true, "name": u.Name, "groups": groups,
	})
}

// userForAccessToken returns the user of a live access token.
func (i *IdP) userForAccessToken(scheme, token string) (User, bool) {
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return User{}, false
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	a, ok := i.access[token]
	if !ok || i.now().After(a.expires) {
		return User{}, false
	}
	if f := i.families[a.family]; f == nil || f.revoked {
		return User{}, false
	}
	return a.user, true
}
