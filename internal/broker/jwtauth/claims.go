package jwtauth

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"
)

// checkClaims validates the registered claims of RFC 7519 §4.1: exp is
// required, nbf and iat are checked when present (all with v.skew), iss and
// aud when e asks for them.
func (v *Verifier) checkClaims(c map[string]any, e Expect) error {
	now := v.now()
	exp, ok, err := numericDate(c, "exp")
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: missing exp", ErrInvalidToken)
	}
	if now.After(exp.Add(v.skew)) {
		return fmt.Errorf("%w: token expired", ErrInvalidToken)
	}
	nbf, ok, err := numericDate(c, "nbf")
	if err != nil {
		return err
	}
	if ok && now.Add(v.skew).Before(nbf) {
		return fmt.Errorf("%w: token not valid yet (nbf)", ErrInvalidToken)
	}
	iat, ok, err := numericDate(c, "iat")
	if err != nil {
		return err
	}
	if ok && now.Add(v.skew).Before(iat) {
		return fmt.Errorf("%w: token issued in the future (iat)", ErrInvalidToken)
	}
	if e.Issuer != "" {
		if iss, _ := c["iss"].(string); iss != e.Issuer {
			return fmt.Errorf("%w: issuer mismatch", ErrInvalidToken)
		}
	}
	if e.Audience != "" && !hasAudience(c["aud"], e.Audience) {
		return fmt.Errorf("%w: audience mismatch", ErrInvalidToken)
	}
	return nil
}

// numericDate reads claim name as a NumericDate (seconds since the epoch,
// possibly fractional). ok is false when the claim is absent.
func numericDate(c map[string]any, name string) (t time.Time, ok bool, err error) {
	raw, present := c[name]
	if !present {
		return time.Time{}, false, nil
	}
	n, isNum := raw.(json.Number)
	if !isNum {
		return time.Time{}, false, fmt.Errorf("%w: %s is not a number", ErrInvalidToken, name)
	}
	f, perr := n.Float64()
	// Bound to ±2^40 s (beyond year 30000) so the conversion cannot overflow.
	if perr != nil || math.IsNaN(f) || math.Abs(f) > 1<<40 {
		return time.Time{}, false, fmt.Errorf("%w: %s is out of range", ErrInvalidToken, name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true, nil
}

// hasAudience reports whether aud (a string or an array of strings,
// RFC 7519 §4.1.3) contains want.
func hasAudience(aud any, want string) bool {
	switch a := aud.(type) {
	case string:
		return a == want
	case []any:
		return slices.ContainsFunc(a, func(x any) bool {
			s, ok := x.(string)
			return ok && s == want
		})
	}
	return false
}
