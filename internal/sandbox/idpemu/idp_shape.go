package idpemu

// ShapeIDTokens makes the token endpoint (authorization code, refresh and
// device grants) pass the claims of every ID token it issues from now on
// through shape before signing; nil restores plain tokens. Tests use it to
// have the real sign-in and refresh paths receive tokens a misbehaving or
// hostile IdP would issue: several audiences with or without azp, an iat in
// the future, escape sequences in iss. The caller must not keep claims.
func (i *IdP) ShapeIDTokens(shape func(claims map[string]any)) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.shape = shape
}

// MultiAudience returns a shape giving ID tokens the audiences aud (after
// the client id) and, when azp is not "", that azp claim.
func MultiAudience(azp string, aud ...string) func(map[string]any) {
	return func(c map[string]any) {
		all := []any{c["aud"]}
		for _, a := range aud {
			all = append(all, a)
		}
		c["aud"] = all
		if azp != "" {
			c["azp"] = azp
		}
	}
}
