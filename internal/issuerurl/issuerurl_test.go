package issuerurl

import (
	"strings"
	"testing"
)

// TestValidate: https anywhere, plain http only on a host the shared
// loopback predicate accepts, never a relative URL, query or fragment.
func TestValidate(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://idp.example.com":                true,
		"https://idp.example.com/oauth2/default": true,
		"https://127.evil.example/":              true,
		"http://127.0.0.1:9000/":                 true,
		"http://localhost:9000/cb":               true,
		"http://[::1]:9000/cb":                   true,
		"http://127.evil.example/":               false,
		"http://localhost.evil.example:8090/":    false,
		"http://0.0.0.0:8090/":                   false,
		"https://idp.example.com/?a=b":           false,
		"https://idp.example.com/#x":             false,
		"ftp://idp.example.com":                  false,
		"idp.example.com":                        false,
		"":                                       false,
	} {
		err := Validate(raw)
		if (err == nil) != ok {
			t.Errorf("Validate(%q) = %v, want accepted %t", raw, err, ok)
		}
		if err != nil && !strings.Contains(err.Error(), raw) {
			t.Errorf("Validate(%q) = %q, want the URL in the message", raw, err)
		}
	}
}
