package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tip-cli/tip-cli/internal/cred"
	"github.com/tip-cli/tip-cli/internal/store"
)

// Refresh-token rotation under faults. Many IdPs rotate refresh tokens: the
// answer to a refresh carries a new one and the old one dies; presenting the
// old one again revokes the whole grant. So the only valid refresh token can
// exist only in the IdP's answer until it is saved, and a save that fails
// (a full or read-only disk) or a process killed before the rename must
// not lead to the old token being presented again. rotate therefore:
//   1. saves b with the token marked presented (the intent record) before
//      sending it: a store that cannot be written fails here, with nothing
//      sent to the IdP and the token still valid;
//   2. sends it; an answer of any kind clears the mark (refused, or rotated);
//      no answer (a timeout, a connection lost after sending) keeps it;
//   3. saves the IdP's answer, retrying a failing save, since this write is
//      the only copy of the new token.
// A bundle found with the mark set is never refreshed again: the next call
// asks for a sign-in (deadRefreshError), which the IdP can always grant,
// instead of a replay it would punish.

// saveAttempts bounds the retries of the save that holds a rotated token.
const saveAttempts = 4

// deadRefreshError means the stored refresh token may no longer be
// presented: its last refresh did not complete.
type deadRefreshError struct{ reason string }

func (e *deadRefreshError) Error() string { return e.reason }

// rotate refreshes b's IdP tokens as described above and returns them,
// saved in b and in the store.
func (m *Manager) rotate(ctx context.Context, b *store.Bundle) (*cred.Tokens, error) {
	if b.IdP.RefreshPresented {
		return nil, &deadRefreshError{reason: "the last refresh was interrupted after the refresh token was sent, and it is never sent twice"}
	}
	old := *b.IdP
	b.IdP.RefreshPresented = true
	if err := m.save(ctx, b); err != nil {
		*b.IdP = old
		return nil, fmt.Errorf("cannot save before refreshing, so nothing was sent to the identity provider (free space or fix the config directory's permissions and retry): %w", err)
	}
	t, err := m.refresh(ctx, &old)
	if err != nil {
		if m.RefreshUnanswered != nil && m.RefreshUnanswered(err) {
			return nil, err // the mark stays: the IdP may have rotated the token
		}
		*b.IdP = old
		if serr := m.save(ctx, b); serr != nil {
			m.log().Debug("could not clear the refresh intent after a refused refresh", "error", serr)
		}
		return nil, err
	}
	b.IdP = t
	if err := m.saveRetrying(ctx, b); err != nil {
		return nil, fmt.Errorf("the identity provider rotated the refresh token but it could not be saved: %w; the old one will not be sent again, so the next call signs in anew", err)
	}
	return t, nil
}

// saveRetrying saves b, retrying with a doubling backoff: a transiently full
// disk or a store busy for a moment must not lose a rotated token.
func (m *Manager) saveRetrying(ctx context.Context, b *store.Bundle) error {
	wait := 50 * time.Millisecond
	var errs []error
	for attempt := 1; ; attempt++ {
		err := m.save(ctx, b)
		if err == nil {
			return nil
		}
		errs = append(errs, err)
		if attempt == saveAttempts {
			return errors.Join(errs...)
		}
		m.log().Debug("save of rotated tokens failed; retrying", "attempt", attempt, "error", err)
		if err := m.sleep(ctx, wait); err != nil {
			return errors.Join(append(errs, err)...)
		}
		wait *= 2
	}
}
