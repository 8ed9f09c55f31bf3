package idp

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"time"
)

// maxClockSkew is how far in the future an ID token's iat may lie before
// the token is refused: the same 5 minutes go-oidc allows on nbf, and the
// threshold at which `tip-cli diag` fails a token for clock skew.
const maxClockSkew = 5 * time.Minute

// checkClaims adds to go-oidc's checks (signature, iss, aud contains the
// client, exp, nbf) what OpenID Connect Core §3.1.3.7 asks and go-oidc
// leaves to the caller: with several audiences the azp claim must be
// present, and when present it must be our client id (steps 4-5), so a
// token issued to another client that merely lists us cannot be replayed
// here; and iat must not be later than now plus maxClockSkew (step 10), so
// a token minted for the future (a clock attack, or a token kept aside)
// is refused. The nonce, when not "", must match in constant time.
func checkClaims(clientID string, aud []string, azp string, iat, now time.Time, nonce, gotNonce string) error {
	switch {
	case azp != "" && azp != clientID:
		return fmt.Errorf("the id token was issued to another client (azp %q, expected %q)", oneLine(azp, 64), clientID)
	case len(aud) > 1 && azp == "":
		return fmt.Errorf("the id token has %d audiences and no azp claim naming this client", len(aud))
	case iat.After(now.Add(maxClockSkew)):
		return fmt.Errorf("the id token's iat %s is %s in the future, more than the %s clock skew allowed: check this machine's clock",
			iat.UTC().Format(time.RFC3339), iat.Sub(now).Round(time.Second), maxClockSkew)
	case nonce != "" && subtle.ConstantTimeCompare([]byte(gotNonce), []byte(nonce)) != 1:
		return errors.New("nonce does not match this sign-in")
	}
	return nil
}
