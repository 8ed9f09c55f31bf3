package cmdutil

import (
	"context"
	"fmt"

	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/session"
	"github.com/tip-cli/tip-cli/internal/store"
)

// The selected profile's wiring: loading and checking it, its session
// manager, and removing or reading what the store keeps for it (status,
// diag, logout, configure delete).

// ValidProfile loads the selected profile and checks it before any
// network call.
func (f *Factory) ValidProfile() (*config.Profile, error) {
	p, err := f.Profile()
	if err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("profile %q is invalid: %w", f.ProfileName, err)
	}
	return p, nil
}

// ProfileManager loads and checks the selected profile and wires its
// session manager: the start of every credential command.
func (f *Factory) ProfileManager(o SignInOptions) (*config.Profile, *session.Manager, error) {
	p, err := f.ValidProfile()
	if err != nil {
		return nil, nil, err
	}
	m, err := f.Manager(p, o)
	if err != nil {
		return nil, nil, err
	}
	return p, m, nil
}

// DeleteSecrets removes a profile's secrets from the store in use and from
// the file store: a forced or fallen-back backend clears only itself, and
// files may hold an older copy from a time without a keyring. It returns
// the name of the store in use.
func (f *Factory) DeleteSecrets(ctx context.Context, profile string) (string, error) {
	st, err := f.Store()
	if err != nil {
		return "", err
	}
	dir, err := f.ConfigDir()
	if err != nil {
		return "", err
	}
	for _, s := range []store.Store{st, store.NewFileStore(dir)} {
		if err := s.Delete(ctx, profile); err != nil {
			return "", fmt.Errorf("remove secrets of %s: %w", store.DisplayName(profile), err)
		}
	}
	return st.Name(), nil
}

// ReadBundle reads the bundle of profile (configured as p): with the IdP
// part of its shared sign-in, if it names one, in place of its own. For
// the commands that show or diagnose the stored sign-in (status, diag);
// the session manager does the same under the sign-in's lock.
func ReadBundle(ctx context.Context, st store.Store, profile string, p *config.Profile) (*store.Bundle, error) {
	b, err := st.Get(ctx, profile)
	if err != nil || p == nil || p.SignIn == "" {
		return b, err
	}
	sb, err := st.Get(ctx, store.SignInKey(p.SignIn))
	if err != nil {
		return nil, err
	}
	return store.JoinSignIn(sb, b), nil
}

// Logout removes the secrets of the selected profile's sign-in: the
// profile's own, or, on a shared sign-in, the sign-in's tokens and ledger
// and the cached credentials of every profile on it (they all refresh with
// the one refresh token). It returns the profiles signed out and the name
// of the store in use.
func (f *Factory) Logout(ctx context.Context) ([]string, string, error) {
	names := []string{f.ProfileName}
	signIn := ""
	if p, err := f.Profile(); err == nil && p.SignIn != "" {
		cfg, err := f.Config()
		if err != nil {
			return nil, "", err
		}
		signIn = p.SignIn
		names = cfg.SignInProfiles(signIn)
	}
	var backend string
	var err error
	if signIn != "" {
		if backend, err = f.DeleteSecrets(ctx, store.SignInKey(signIn)); err != nil {
			return nil, "", err
		}
	}
	for _, n := range names {
		if backend, err = f.DeleteSecrets(ctx, n); err != nil {
			return nil, "", err
		}
	}
	return names, backend, nil
}
