package diag

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// maxJWTSize bounds the tokens DecodeJWT reads (STS accepts 20000 bytes).
const maxJWTSize = 64 << 10

// JWT is a decoded, unverified JSON Web Token (RFC 7519) in compact JWS
// form. Raw is kept only to verify the signature; never print it.
type JWT struct {
	Raw    string
	Header map[string]any
	Claims map[string]any
}

// DecodeJWT splits and decodes a compact JWS (RFC 7515 §7.1) without
// verifying it: three base64url parts, a JSON object header with "alg" and
// a JSON object payload. Surrounding white space is ignored.
func DecodeJWT(raw string) (*JWT, error) {
	raw = strings.TrimSpace(raw)
	if len(raw) > maxJWTSize {
		return nil, fmt.Errorf("token is %d bytes, more than %d", len(raw), maxJWTSize)
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("a JWT has 3 dot-separated parts, this has %d", len(parts))
	}
	header, err := decodeJWTPart(parts[0])
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	if alg, _ := header["alg"].(string); alg == "" {
		return nil, errors.New("header has no alg")
	}
	claims, err := decodeJWTPart(parts[1])
	if err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	if _, err := base64.RawURLEncoding.DecodeString(parts[2]); err != nil {
		return nil, errors.New("signature is not base64url")
	}
	return &JWT{Raw: raw, Header: header, Claims: claims}, nil
}

// decodeJWTPart decodes one base64url JSON object, numbers kept exact.
func decodeJWTPart(part string) (map[string]any, error) {
	data, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(part, "="))
	if err != nil {
		return nil, errors.New("not base64url")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, errors.New("not a JSON object")
	}
	if dec.More() {
		return nil, errors.New("trailing data after the JSON object")
	}
	return m, nil
}

// String returns a string claim, or "".
func (t *JWT) String(name string) string {
	s, _ := t.Claims[name].(string)
	return s
}

// HeaderString returns a string header parameter, or "".
func (t *JWT) HeaderString(name string) string {
	s, _ := t.Header[name].(string)
	return s
}

// Audience returns aud as a list (a string or an array of strings, RFC 7519 §4.1.3).
func (t *JWT) Audience() []string {
	switch v := t.Claims["aud"].(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, a := range v {
			if s, ok := a.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// Time returns a NumericDate claim (RFC 7519 §2) and whether it is present
// and valid.
func (t *JWT) Time(name string) (time.Time, bool) {
	n, ok := t.Claims[name].(json.Number)
	if !ok {
		return time.Time{}, false
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e11 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
}

// Claim returns the value at a dotted claim path ("email",
// "custom.employee_id") as a string, and whether it is a non-empty string.
func (t *JWT) Claim(path string) (string, bool) {
	var cur any = t.Claims
	for _, p := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return "", false
		}
		if cur, ok = m[p]; !ok {
			return "", false
		}
	}
	switch v := cur.(type) {
	case string:
		return v, v != ""
	case json.Number:
		return v.String(), true
	}
	return "", false
}

// Summary returns the header and the claims worth showing: alg, kid, typ,
// iss, sub, aud, email, and the times in RFC 3339. No signature, no raw token.
func (t *JWT) Summary() map[string]any {
	out := map[string]any{}
	for _, h := range []string{"alg", "kid", "typ"} {
		if s := t.HeaderString(h); s != "" {
			out[h] = s
		}
	}
	for _, c := range []string{"iss", "sub", "email"} {
		if s := t.String(c); s != "" {
			out[c] = s
		}
	}
	if aud := t.Audience(); len(aud) > 0 {
		out["aud"] = aud
	}
	for _, c := range []string{"exp", "iat", "nbf"} {
		if tm, ok := t.Time(c); ok {
			out[c] = tm.Format(time.RFC3339)
		}
	}
	return out
}
