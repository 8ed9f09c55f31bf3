package session

import (
	"context"
	"errors"
	"fmt"

	"github.com/tip-cli/tip-cli/internal/cred"
	"github.com/tip-cli/tip-cli/internal/store"
)

// Shared sign-ins. Profiles may share one IdP sign-in (config's
// "sign_ins"): one browser sign-in, one refresh token and one assertion
// ledger for all of them. The sign-in's IdP part lives in the store under
// store.SignInKey(name) and its lock is taken under that name, because a
// refresh token rotates per sign-in and every profile's exchange presents
// the sign-in's ID tokens: two profiles refreshing under their own locks
// would race on the rotation and could present one assertion twice. Each
// profile keeps its served part (sessions, grants) under its own name, so
// the warm path still reads only that. A profile without a shared sign-in
// is its own sign-in: SignInKey "" keeps the whole bundle under the
// profile, as before shared sign-ins existed.

// shared reports whether the profile uses a shared sign-in.
func (m *Manager) shared() bool { return m.SignInKey != "" && m.SignInKey != m.Profile }

// lockName is what the refresh lock is taken on: the sign-in.
func (m *Manager) lockName() string {
	if m.shared() {
		return m.SignInKey
	}
	return m.Profile
}

// load reads the bundle the refresh path works on: the sign-in's IdP part
// joined with the profile's served part. The caller holds the sign-in lock.
func (m *Manager) load(ctx context.Context) (*store.Bundle, error) {
	b, err := m.Store.Get(ctx, m.lockName())
	if err != nil {
		return nil, fmt.Errorf("read cached credentials: %w", err)
	}
	if !m.shared() {
		if b == nil {
			b = &store.Bundle{}
		}
		return b, nil
	}
	p, err := m.Store.Get(ctx, m.Profile)
	if err != nil {
		return nil, fmt.Errorf("read cached credentials: %w", err)
	}
	return store.JoinSignIn(b, p), nil
}

// save writes b back: whole under the profile, or for a shared sign-in the
// IdP part under the sign-in (first: it carries the rotated refresh token
// and the ledger entry that must be durable before any presentation) and
// the served part under the profile.
func (m *Manager) save(ctx context.Context, b *store.Bundle) error {
	if !m.shared() {
		return m.Store.Put(ctx, m.Profile, b)
	}
	if err := m.Store.Put(ctx, m.SignInKey, b.SignInPart()); err != nil {
		return err
	}
	return m.Store.Put(ctx, m.Profile, b.ServedBundle())
}

// signedIn puts the tokens of a new interactive sign-in into b. A new
// sign-in may be another identity, so it invalidates every cached session
// and grant: the profile's own, and those of the other profiles on a
// shared sign-in (cleared at once; they are written only under the
// sign-in lock the caller holds).
//
// It also starts the store afresh (#23): deleting what is stored under the
// sign-in's names drops their keyring keys, the keys' kernel keyring cache
// entries and the sealed files, and the save that follows seals b under
// new keys, so no earlier copy of a file (a backup, a file put back) opens
// again. b, with its assertion ledger, is in memory and saved as before:
// here when the path presents no single-use assertion, else by reserve,
// which first records the new ID token in the ledger.
func (m *Manager) signedIn(ctx context.Context, b *store.Bundle, t *cred.Tokens) error {
	if prev := b.IdP; prev != nil && prev.Subject != "" && prev.Subject != t.Subject && m.SubjectChanged != nil {
		m.SubjectChanged(prev, t)
	}
	names := []string{m.lockName()}
	if m.shared() {
		names = append(names, m.Profile)
	}
	for _, name := range names {
		if err := m.Store.Delete(ctx, name); err != nil {
			return fmt.Errorf("replace the stored secrets of %s: %w", store.DisplayName(name), err)
		}
	}
	b.IdP, b.Sessions, b.Grants = t, nil, nil
	var errs []error
	for _, p := range m.SharedWith {
		if p == m.Profile {
			continue
		}
		if err := m.Store.Put(ctx, p, &store.Bundle{}); err != nil {
			errs = append(errs, fmt.Errorf("clear cached credentials of profile %q: %w", p, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if m.SingleUse {
		return nil // reserve saves the sign-in together with its ledger entry
	}
	if err := m.save(ctx, b); err != nil {
		return fmt.Errorf("save tokens: %w", err)
	}
	return nil
}
