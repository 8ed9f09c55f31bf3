package exchange

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// sessionName builds the identity-enhanced RoleSessionName tip-<user id>,
// made valid for STS: characters outside [\w+=,.@-] become '-', and the
// result is cut to 64 characters.
func sessionName(userID string) string {
	var b strings.Builder
	b.WriteString("tip-")
	for _, r := range userID {
		if r < 128 && (r == '_' || r == '+' || r == '=' || r == ',' || r == '.' || r == '@' || r == '-' ||
			(r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')) {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	name := b.String()
	if len(name) > 64 {
		name = name[:64]
	}
	return name
}

// decodeClaims reads a JWT's payload without verifying it. Only for tokens
// received directly from AWS in a signed response.
func decodeClaims(jwt string) (map[string]any, error) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, fmt.Errorf("decode JWT payload: %w", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, fmt.Errorf("decode JWT claims: %w", err)
	}
	return claims, nil
}
