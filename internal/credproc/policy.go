package credproc

import (
	"time"

	"github.com/tip-cli/tip-cli/internal/cred"
)

// DefaultMargin is how much validity cached credentials must have left to be
// served: botocore calls credential_process again when less than 15 minutes
// remain, so serving less would make it call on nearly every request.
const DefaultMargin = 15 * time.Minute

// DefaultSkew absorbs a local clock running behind AWS's.
const DefaultSkew = time.Minute

// Policy is the expiry policy for cached credentials and tokens.
type Policy struct {
	Margin time.Duration
	Skew   time.Duration
}

// DefaultPolicy returns the 15-minute margin, 1-minute skew policy.
func DefaultPolicy() Policy { return Policy{Margin: DefaultMargin, Skew: DefaultSkew} }

// Fresh reports whether credentials expiring at exp, obtained at minted,
// may be served at now: while more than margin + skew remains. A session
// shorter than twice the margin is served while more than half its life
// plus the skew remains (a 3-minute session for its first 30 s), so
// just-minted credentials are served even when the role's maximum session
// is shorter than the margin.
func (p Policy) Fresh(now, minted, exp time.Time) bool {
	remaining := exp.Sub(now) - p.Skew
	if remaining <= 0 {
		return false
	}
	margin := p.Margin
	if !minted.IsZero() {
		if half := exp.Sub(minted) / 2; half < margin {
			margin = half
		}
	}
	return remaining > margin
}

// FreshCredentials applies Fresh to stored credentials; nil is never fresh.
func (p Policy) FreshCredentials(now time.Time, c *cred.Credentials) bool {
	return c != nil && p.Fresh(now, c.MintedAt, c.Expiration)
}
