package config

import (
	"strings"
	"testing"
)

// TestURLValidationLoopback: plain http is allowed only for a host that is
// loopback by the one shared predicate (internal/loopback), never for a
// DNS name that merely starts like a loopback address.
func TestURLValidationLoopback(t *testing.T) {
	tests := []struct {
		raw              string
		issuer, redirect bool // accepted as issuer / as redirect URI
	}{
		{"http://127.0.0.1:9000/", true, true},
		{"http://127.1.2.3:9000/cb", true, true},
		{"http://localhost:9000/cb", true, true},
		{"http://LOCALHOST:9000/cb", true, true},
		{"http://[::1]:9000/cb", true, true},
		{"http://127.evil.example/", false, false},
		{"http://127.evil.example:8090/callback", false, false},
		{"http://127.0.0.1.nip.io:8090/callback", false, false},
		{"http://localhost.evil.example:8090/callback", false, false},
		{"http://[::1%25lo]:8090/callback", false, false},
		{"http://0.0.0.0:8090/callback", false, false},
		{"https://127.evil.example/", true, false},
	}
	for _, tt := range tests {
		if err := ValidateIssuerURL(tt.raw); (err == nil) != tt.issuer {
			t.Errorf("ValidateIssuerURL(%q) = %v, want accepted %t", tt.raw, err, tt.issuer)
		} else if err != nil && !strings.Contains(err.Error(), "https") {
			t.Errorf("ValidateIssuerURL(%q) message %q does not say https", tt.raw, err)
		}
		if err := validateRedirectURI(tt.raw); (err == nil) != tt.redirect {
			t.Errorf("validateRedirectURI(%q) = %v, want accepted %t", tt.raw, err, tt.redirect)
		}
	}
}
