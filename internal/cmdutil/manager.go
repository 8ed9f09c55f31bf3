package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/cred"
	"github.com/tip-cli/tip-cli/internal/credproc"
	"github.com/tip-cli/tip-cli/internal/exchange"
	"github.com/tip-cli/tip-cli/internal/idp"
	"github.com/tip-cli/tip-cli/internal/iostreams"
	"github.com/tip-cli/tip-cli/internal/session"
	"github.com/tip-cli/tip-cli/internal/store"
)

// SignInOptions are the sign-in related flags shared by credential commands.
type SignInOptions struct {
	// NonInteractive fails with "not signed in" instead of signing in.
	NonInteractive bool
	// NoBrowser prints the sign-in URL on stderr instead of opening a browser.
	NoBrowser bool
	// Device uses the device authorization grant (RFC 8628).
	Device bool
	// Flow overrides the sign-in's flow setting (config.Flow*); "" keeps it.
	Flow string
	// Timeout bounds an interactive sign-in (default 5m).
	Timeout time.Duration
	// Margin overrides the expiry margin (default 15m).
	Margin time.Duration
	// StdinForChild: stdin belongs to a child process (exec), so a paste
	// is read only from a terminal. A reader on a piped stdin would take
	// the child's input as pastes, and a read left pending after the
	// sign-in cannot be withdrawn.
	StdinForChild bool
}

// NetTimeout bounds each network phase of a refresh that needs no person
// (the IdP refresh, the chain, GetDataAccess): two of them stay under the
// minute after which the Go SDK kills a credential_process.
const NetTimeout = 25 * time.Second

// DefaultLoginTimeout bounds a browser sign-in.
const DefaultLoginTimeout = idp.DefaultLoginTimeout

// IdPClient builds the OIDC client for a profile, caching the IdP's
// discovery document and JWKS under the config directory.
func (f *Factory) IdPClient(p *config.Profile) *idp.Client {
	c := &idp.Client{
		Issuer:      p.Issuer(),
		ClientID:    p.Client(),
		Scopes:      p.OAuthScopes(),
		RedirectURI: p.Redirect(),
		HTTPClient:  f.HTTPClient(),
		Now:         f.Now,
		Prompt:      p.Prompt,
	}
	if dir, err := f.ConfigDir(); err == nil {
		c.Metadata = &idp.MetadataCache{Dir: filepath.Join(dir, idp.MetadataCacheDirName), Now: f.Now}
	}
	return c
}

// Manager wires a session.Manager for the selected profile.
func (f *Factory) Manager(p *config.Profile, o SignInOptions) (*session.Manager, error) {
	st, err := f.Store()
	if err != nil {
		return nil, err
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultLoginTimeout
	}
	policy := credproc.DefaultPolicy()
	if o.Margin > 0 {
		policy.Margin = o.Margin
	}
	// Waiters must outlast a sign-in the lock holder is running.
	lockTimeout := o.Timeout + time.Minute
	m := &session.Manager{
		Profile: f.ProfileName,
		Store:   st,
		Lock: func(ctx context.Context, profile string) (func(), error) {
			return f.Lock(ctx, profile, lockTimeout)
		},
		IdP: func(context.Context) (session.Refresher, error) { return f.IdPClient(p), nil },
		Exchanger: func(ctx context.Context) (session.Exchanger, error) {
			return f.Chain(ctx, p)
		},
		SingleUse: exchange.PathFor(p.TIPMode()).SingleUse(),
		ChainID:   p.ChainID(),
		RefreshRejected: func(err error) bool {
			var re *idp.RefreshError
			return errors.As(err, &re)
		},
		RefreshUnanswered: idp.RefreshUnanswered,
		Policy:            policy,
		NetTimeout:        NetTimeout,
		Now:               f.Now,
		Sleep:             f.Sleep,
		Log:               f.Logger(),
		Grants:            f.grantSource(p),
		SubjectChanged: func(previous, current *cred.Tokens) {
			fmt.Fprintf(f.IOStreams.ErrOut, "warning: this sign-in is %s, but %s was signed in before: if you did not mean to "+
				"switch, run `tip-cli auth logout` at once (someone else's sign-in may have been delivered to this one)\n",
				who(current), who(previous))
		},
	}
	if err := f.shareSignIn(m, p); err != nil {
		return nil, err
	}
	if !o.NonInteractive {
		m.SignIn = f.signIn(p, o)
	}
	return m, nil
}

// shareSignIn points m at p's shared sign-in, if it names one: the sign-in's
// lock and IdP part, and the profiles sharing it.
func (f *Factory) shareSignIn(m *session.Manager, p *config.Profile) error {
	if p.SignIn == "" {
		return nil
	}
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	m.SignInKey = store.SignInKey(p.SignIn)
	m.SharedWith = cfg.SignInProfiles(p.SignIn)
	return nil
}

// Chain builds the AWS exchange chain for a profile.
func (f *Factory) Chain(ctx context.Context, p *config.Profile) (*exchange.Chain, error) {
	cfg, err := f.AWSConfig(ctx, p.Region)
	if err != nil {
		return nil, err
	}
	c := &exchange.Chain{
		AWS:               cfg,
		Path:              exchange.PathFor(p.TIPMode()),
		OIDCRoleARN:       p.OIDCRoleARN,
		IDEnhancedRoleARN: p.IDEnhancedRoleARN,
		ApplicationARN:    p.TokenExchangeApplicationARN,
		RoleARN:           p.RoleARN,
		Issuer:            p.Issuer(),
		ChainID:           p.ChainID(),
		Now:               f.Now,
		Trace:             f.chainTrace(),
	}
	if p.TIPMode() == config.TIPModeIAMFederation {
		c.Duration = time.Duration(p.FederationDuration()) * time.Second
	}
	return c, nil
}

// chainTrace narrates the exchange steps: ChainTrace when set (demo),
// else debug log lines. Step details are ARNs and user ids, never secrets.
func (f *Factory) chainTrace() func(exchange.StepName, string, error) {
	if f.ChainTrace != nil {
		return f.ChainTrace
	}
	if !f.Debug {
		return nil
	}
	log := f.Logger()
	return func(step exchange.StepName, detail string, err error) {
		if err != nil {
			log.Debug("chain step failed", "step", step, "detail", detail, "error", err)
			return
		}
		log.Debug("chain step complete", "step", step, "detail", detail)
	}
}

// who names the person of a sign-in: email and subject.
func who(t *cred.Tokens) string {
	if t.Email != "" {
		return iostreams.Visible(fmt.Sprintf("%s (sub %s)", t.Email, t.Subject))
	}
	return "sub " + iostreams.Visible(t.Subject)
}
