package store

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"time"
)

// Presented is one entry of a bundle's assertion ledger: an ID token that
// was (or was about to be) presented to IAM Identity Center's
// CreateTokenWithIAM, which accepts an assertion once. Only the SHA-256 of
// the token is kept, never the token.
type Presented struct {
	// Digest is the hex SHA-256 of the compact ID token.
	Digest string `json:"sha256"`
	// At is when tip-cli recorded it (local clock), just before presenting.
	At time.Time `json:"at"`
	// Expires is when the entry may be dropped: the token's exp plus a
	// margin for the clock skew Identity Center may allow.
	Expires time.Time `json:"expires"`
}

// ledgerSkew keeps an entry past its token's exp: a verifier allowing
// clock skew could still accept the token, and so could still refuse it.
const ledgerSkew = 5 * time.Minute

// ledgerMax bounds the ledger. Entries are needed for seconds (an IdP
// re-issues the same bytes only within one second of its clock), so dropping
// the oldest of more than this many never lets a live replay through.
const ledgerMax = 64

// assertionDigest is the ledger's digest of a compact ID token.
func assertionDigest(idToken string) string {
	sum := sha256.Sum256([]byte(idToken))
	return hex.EncodeToString(sum[:])
}

// PresentedEntry returns the ledger entry of idToken, or nil when it has
// not been presented (or its entry expired by now).
func (b *Bundle) PresentedEntry(idToken string, now time.Time) *Presented {
	if b == nil {
		return nil
	}
	d := assertionDigest(idToken)
	for i := range b.Presented {
		if e := &b.Presented[i]; e.Digest == d && now.Before(e.Expires) {
			return e
		}
	}
	return nil
}

// RecordPresented adds idToken (valid until exp) to the ledger at now,
// dropping expired entries and, past ledgerMax, the oldest.
func (b *Bundle) RecordPresented(idToken string, exp, now time.Time) {
	if exp.IsZero() || exp.Before(now) {
		exp = now.Add(time.Hour) // an exp we do not know: keep it a token's usual lifetime
	}
	b.Presented = slices.DeleteFunc(b.Presented, func(e Presented) bool { return !now.Before(e.Expires) })
	b.Presented = append(b.Presented, Presented{Digest: assertionDigest(idToken), At: now, Expires: exp.Add(ledgerSkew)})
	if n := len(b.Presented) - ledgerMax; n > 0 {
		slices.SortStableFunc(b.Presented, func(x, y Presented) int { return x.At.Compare(y.At) })
		b.Presented = slices.Delete(b.Presented, 0, n)
	}
}
