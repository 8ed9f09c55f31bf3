package session

import (
	"context"
	"fmt"
	"time"

	"github.com/tip-cli/tip-cli/internal/cred"
	"github.com/tip-cli/tip-cli/internal/store"
)

// The assertion ledger. IAM Identity Center accepts an ID token as a
// CreateTokenWithIAM assertion once. IdPs whose ID tokens carry no jti (the
// certified oidc-provider among them) sign the same claims to the same
// bytes when a refresh falls within the second of an earlier one (iat has
// one-second resolution), so "refreshed" does not mean "fresh". Each
// bundle therefore keeps the SHA-256 of every ID token handed to an
// exchange (store.Bundle.Presented); reserve records a token there and
// saves the bundle before anything presents it, so neither another process
// nor the next call after a SIGKILL between CreateTokenWithIAM and the save
// presents it again.

// maxRefetches bounds the refreshes made to get past an ID token already
// presented: after the first wait the IdP's clock has moved on, so more
// than one means an IdP that re-issues a token for longer than a second.
const maxRefetches = 3

// secondMargin is added to the wait for the IdP's next second, against
// timer and clock rounding.
const secondMargin = 20 * time.Millisecond

// AssertionReusedError means the IdP kept returning an ID token that was
// already presented to IAM Identity Center, which would refuse it.
type AssertionReusedError struct {
	Profile string
	// Attempts is how many tokens in a row were ones already presented.
	Attempts int
}

func (e *AssertionReusedError) Error() string {
	return fmt.Sprintf("the identity provider returned an ID token already presented to IAM Identity Center %d times in a row "+
		"(each is accepted once): try again in a few seconds, or sign in again with `%s`",
		e.Attempts, (&LoginRequiredError{Profile: e.Profile}).command())
}

// reserve records t's ID token in b's ledger and saves b, so that it may be
// presented once. When the IdP returned a token already presented, it
// saves b (a refresh rotated the refresh token), waits until the IdP can
// mint a different one and refreshes again, a bounded number of times.
// A path without a single-use step (IAM federation) has nothing to
// record: the ledger guards exactly the steps that present a single-use
// assertion, and b was saved when t arrived (rotate after a refresh,
// signedIn after a sign-in).
func (m *Manager) reserve(ctx context.Context, b *store.Bundle, t *cred.Tokens) (*cred.Tokens, error) {
	if !m.SingleUse {
		return t, nil
	}
	for attempt := 1; ; attempt++ {
		now := m.now()
		seen := b.PresentedEntry(t.IDToken, now)
		if seen == nil {
			b.RecordPresented(t.IDToken, t.Expiry, now)
		}
		if err := m.save(ctx, b); err != nil {
			return nil, fmt.Errorf("save tokens and assertion ledger: %w", err)
		}
		if seen == nil {
			return t, nil
		}
		if attempt > maxRefetches || b.IdP == nil || b.IdP.RefreshToken == "" {
			return nil, &AssertionReusedError{Profile: m.Profile, Attempts: attempt}
		}
		wait := nextIdPSecond(seen.At, now, attempt)
		m.log().Debug("identity provider returned an ID token already presented; waiting for its next second",
			"profile", m.Profile, "attempt", attempt, "wait", wait)
		if err := m.sleep(ctx, wait); err != nil {
			return nil, err
		}
		nt, err := m.rotate(ctx, b)
		if err != nil {
			return nil, err
		}
		t = nt
	}
}

// nextIdPSecond is how long to wait before the IdP can mint a token that
// differs from one recorded at seen. The IdP minted that token before it
// was recorded, so at seen its clock read at least the token's iat second,
// and one second later (whatever the offset between the clocks) it reads
// a later one. A later attempt waits a whole second from now. A wall clock
// that jumped is bounded to one second either way.
func nextIdPSecond(seen, now time.Time, attempt int) time.Duration {
	wait := time.Second
	if attempt == 1 {
		wait = seen.Add(time.Second).Sub(now)
	}
	return min(max(wait, 0), time.Second) + secondMargin
}
