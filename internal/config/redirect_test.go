package config

import (
	"strings"
	"testing"
)

// TestValidateRedirectURIRefusesOddParts: a loopback redirect is
// scheme://host:port/path and nothing else. A fragment is forbidden by
// RFC 6749 §3.1.2; a query, user info, port 0 (a random port no IdP
// registration matches) and ports outside 1-65535 are refused with an
// error naming the part.
func TestValidateRedirectURIRefusesOddParts(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ raw, want string }{
		{"http://localhost:8090/callback#frag", "fragment"},
		{"http://localhost:8090/callback#", "fragment"},
		{"http://localhost:8090/callback?x=1", "query"},
		{"http://localhost:8090/callback?", "query"},
		{"http://user:pw@localhost:8090/callback", "user"},
		{"http://user@localhost:8090/callback", "user"},
		{"http://localhost:0/callback", "port"},
		{"http://localhost:00/callback", "port"},
		{"http://localhost:65536/callback", "port"},
		{"http://localhost:99999/callback", "port"},
		{"http://127.0.0.1:123456789012345678901/callback", "port"},
		{"http://[::1]:-1/callback", ""},
	} {
		err := validateRedirectURI(tt.raw)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("validateRedirectURI(%q) = %v, want an error about the %s", tt.raw, err, tt.want)
		}
	}
	for _, ok := range []string{"http://localhost:1/callback", "http://127.0.0.1:65535/", "http://[::1]:8090/cb", "http://localhost:8090"} {
		if err := validateRedirectURI(ok); err != nil {
			t.Errorf("validateRedirectURI(%q) = %v, want accepted", ok, err)
		}
	}
}
