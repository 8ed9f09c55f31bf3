package cmdutil

import (
	"context"
	"fmt"
	"time"

	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/cred"
	"github.com/tip-cli/tip-cli/internal/exchange"
	"github.com/tip-cli/tip-cli/internal/s3ag"
	"github.com/tip-cli/tip-cli/internal/session"
	"github.com/tip-cli/tip-cli/internal/warm"
)

// Handout is the preamble every command that hands out credentials shares
// (auth get-iam-credentials, console, exec, serve and exec --server's
// credential server; s3ag get-data-access through GrantHandout): the
// selected profile, loaded and checked, its session manager, the session
// scope, and the fetch of what the command hands out. Get, Through and
// Grant apply warm.Floor to every fetch, so no command hands out
// credentials with less than a minute left.
type Handout struct {
	Profile *config.Profile
	Manager *session.Manager
	// Scope is the resolved session scope (flags, else the profile's
	// defaults); empty with --s3ag.
	Scope exchange.Scope

	what  string // "the … expires", for the floor's error
	fetch func(ctx context.Context, m *session.Manager) (*cred.Credentials, error)
	now   func() time.Time
}

// Handout resolves profile → session manager → scope (or S3 Access Grants
// request) for src; force ignores cached sessions. Nothing is fetched yet.
func (f *Factory) Handout(o SignInOptions, src *SourceFlags, force bool) (*Handout, error) {
	p, m, err := f.ProfileManager(o)
	if err != nil {
		return nil, err
	}
	h := &Handout{Profile: p, Manager: m, now: f.Now}
	if src.S3AG != "" {
		req, err := src.request()
		if err != nil {
			return nil, &FlagError{Err: err}
		}
		h.Use(grantExpire, func(ctx context.Context, m *session.Manager) (*cred.Credentials, error) {
			g, err := m.Grant(ctx, req, force)
			if err != nil {
				return nil, err
			}
			return g.Credentials, nil
		})
		return h, nil
	}
	if h.Scope, err = src.Policies.Scope(p); err != nil {
		return nil, err
	}
	h.Use("the identity-enhanced session expires", func(ctx context.Context, m *session.Manager) (*cred.Credentials, error) {
		return m.Credentials(ctx, h.Scope, force)
	})
	return h, nil
}

// Use replaces what h fetches (console --role-arn signs in with a plain
// role instead); what names it in the floor's error ("the role session
// expires").
func (h *Handout) Use(what string, fetch func(ctx context.Context, m *session.Manager) (*cred.Credentials, error)) {
	h.what, h.fetch = what, fetch
}

// Get fetches the credentials through h.Manager.
func (h *Handout) Get(ctx context.Context) (*cred.Credentials, error) {
	return h.get(ctx, h.Manager)
}

// Through returns the fetch through m instead (the credential server's
// non-interactive manager), with the same floor.
func (h *Handout) Through(m *session.Manager) func(context.Context) (*cred.Credentials, error) {
	return func(ctx context.Context) (*cred.Credentials, error) { return h.get(ctx, m) }
}

// GrantHandout is the preamble of s3ag get-data-access, which hands out
// the grant itself (its matched target is printed too) for a request with
// more than --s3ag and --permission: the profile and its session manager,
// no session scope. Fetch with Grant.
func (f *Factory) GrantHandout(o SignInOptions) (*Handout, error) {
	p, m, err := f.ProfileManager(o)
	if err != nil {
		return nil, err
	}
	return &Handout{Profile: p, Manager: m, now: f.Now}, nil
}

// Grant fetches the S3 Access Grants credentials for req through
// h.Manager (force: not from the cache), with the floor.
func (h *Handout) Grant(ctx context.Context, req s3ag.Request, force bool) (*cred.Grant, error) {
	g, err := h.Manager.Grant(ctx, req, force)
	if err != nil {
		return nil, err
	}
	if err := h.floor(grantExpire, g.Credentials); err != nil {
		return nil, err
	}
	return g, nil
}

func (h *Handout) get(ctx context.Context, m *session.Manager) (*cred.Credentials, error) {
	c, err := h.fetch(ctx, m)
	if err != nil {
		return nil, err
	}
	if err := h.floor(h.what, c); err != nil {
		return nil, err
	}
	return c, nil
}

// grantExpire names S3 Access Grants credentials in the floor's error.
const grantExpire = "the S3 Access Grants credentials expire"

// floor is the one place the floor is checked: credentials just minted can
// still be inside it (a role's short maximum session, a local clock ahead
// of AWS's), and a consumer could not use them before they expire.
func (h *Handout) floor(what string, c *cred.Credentials) error {
	if warm.TooSoon(c, h.now()) {
		return fmt.Errorf("%s at %s, too soon to use", what, c.Expiration.Format(time.RFC3339))
	}
	return nil
}
