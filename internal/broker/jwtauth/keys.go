package jwtauth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
)

// errUnknownKey means no key of the set matched the token's kid (or, for a
// token without kid, no key fits its algorithm): a refetch may help.
var errUnknownKey = errors.New("no matching key in jwks")

// Accepted RSA keys: modulus from 2048 bits (RFC 7518 §3.3) to 8192, public
// exponent odd from 3 to 65537 (what every IdP uses): a larger modulus or
// exponent only makes each verification cost more.
const (
	minRSABits = 2048
	maxRSABits = 8192
	maxRSAExp  = 65537
)

// selectKeys returns the keys of set that may verify a token with header
// kid and alg. With a kid, the keys carrying it must also fit alg; without
// a kid, exactly one key of the set must fit alg.
func selectKeys(set []jose.JSONWebKey, kid, alg string) ([]jose.JSONWebKey, error) {
	if kid == "" {
		var fit []jose.JSONWebKey
		for _, k := range set {
			if keyFits(k, alg) == nil {
				fit = append(fit, k)
			}
		}
		switch len(fit) {
		case 0:
			return nil, fmt.Errorf("token has no kid and %w for %s", errUnknownKey, alg)
		case 1:
			return fit, nil
		default:
			return nil, fmt.Errorf("token has no kid and %d keys fit %s", len(fit), alg)
		}
	}
	var fit []jose.JSONWebKey
	var last error
	for _, k := range set {
		if k.KeyID != kid {
			continue
		}
		if last = keyFits(k, alg); last == nil {
			fit = append(fit, k)
		}
	}
	if len(fit) > 0 {
		return fit, nil
	}
	if last != nil {
		return nil, fmt.Errorf("key %.64q: %w", kid, last)
	}
	return nil, fmt.Errorf("kid %.64q: %w", kid, errUnknownKey)
}

// keyFits checks that k may verify a signature made with alg: its "use"
// and "alg" members (RFC 7517 §4.2, §4.4) when present, and its type and
// size.
func keyFits(k jose.JSONWebKey, alg string) error {
	if k.Use != "" && k.Use != "sig" {
		return fmt.Errorf("key use is %q, not sig", k.Use)
	}
	if k.Algorithm != "" && k.Algorithm != alg {
		return fmt.Errorf("key is for %s, token uses %s", k.Algorithm, alg)
	}
	return keyTypeFits(k.Key, alg)
}

// keyTypeFits checks the Go key type (and curve or size) against alg.
func keyTypeFits(key any, alg string) error {
	switch jose.SignatureAlgorithm(alg) {
	case jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512:
		pk, ok := key.(*rsa.PublicKey)
		if !ok {
			return fmt.Errorf("%s needs an RSA public key", alg)
		}
		switch {
		case pk.N.BitLen() < minRSABits:
			return fmt.Errorf("rsa key smaller than %d bits", minRSABits)
		case pk.N.BitLen() > maxRSABits:
			return fmt.Errorf("rsa key larger than %d bits", maxRSABits)
		case pk.E < 3 || pk.E > maxRSAExp || pk.E%2 == 0:
			return fmt.Errorf("rsa public exponent must be odd, 3 to %d", maxRSAExp)
		}
		return nil
	case jose.ES256, jose.ES384, jose.ES512:
		pk, ok := key.(*ecdsa.PublicKey)
		if !ok || pk.Curve != curveFor(alg) {
			return fmt.Errorf("%s needs an EC public key on its curve", alg)
		}
		return nil
	case jose.EdDSA:
		if _, ok := key.(ed25519.PublicKey); !ok {
			return fmt.Errorf("%s needs an Ed25519 public key", alg)
		}
		return nil
	}
	return fmt.Errorf("algorithm %s not supported", alg)
}

// curveFor maps an ECDSA JWS algorithm to its curve (RFC 7518 §3.4).
func curveFor(alg string) elliptic.Curve {
	switch jose.SignatureAlgorithm(alg) {
	case jose.ES256:
		return elliptic.P256()
	case jose.ES384:
		return elliptic.P384()
	default:
		return elliptic.P521()
	}
}
