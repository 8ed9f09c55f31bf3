package credproc

import (
	"time"

	"github.com/tip-cli/tip-cli/internal/cred"
)

// defaultMargin is how much validity cached credentials must have left to be
// served: botocore calls credential_process again when less than 15 minutes
// remain, so serving less would make it call on nearly every request.
const defaultMargin = 15 * time.Minute

// defaultSkew absorbs a local clock running behind AWS's.
const defaultSkew = time.Minute

// Policy is the expiry policy for cached credentials and tokens.
type Policy struct {
	Margin time.Duration
	Skew   time.Duration
}

// DefaultPolicy returns the 15-minute margin, 1-minute skew policy.
func DefaultPolicy() Policy { return Policy{Margin: defaultMargin, Skew: defaultSkew} }

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

// maxLead bounds how long before the policy's stale point the credential
// server refreshes in the background (Ahead).
const maxLead = 5 * time.Minute

// StaleAt is the instant from which Fresh no longer holds for credentials
// minted at minted and expiring at exp.
func (p Policy) StaleAt(minted, exp time.Time) time.Time {
	margin := p.Margin
	if !minted.IsZero() {
		if half := exp.Sub(minted) / 2; half < margin {
			margin = half
		}
	}
	return exp.Add(-p.Skew - margin)
}

// Ahead is the credential server's stricter rule for credentials minted at
// minted and expiring at exp: a background refresh is due at the returned
// instant, lead = min(maxLead, half the time they are fresh) before
// StaleAt, and the returned policy calls them stale from then on (its skew
// grows by lead, which is Fresh evaluated lead later). SDKs ask again from
// 15 (botocore), 5 (JS v3) or up to 5 (Go v2) minutes before expiry, all
// after StaleAt with the default policy, so a refresh finished by then
// never makes a request wait. Computed from the credentials' own times, it
// holds for sessions of any length: 21 minutes before the expiry of a 1 h
// or 12 h session, after 7.5 s of a 150 s one.
func (p Policy) Ahead(minted, exp time.Time) (time.Time, Policy) {
	stale := p.StaleAt(minted, exp)
	lead := maxLead
	if !minted.IsZero() {
		if half := stale.Sub(minted) / 2; half < lead {
			lead = max(half, 0)
		}
	}
	p.Skew += lead
	return stale.Add(-lead), p
}
