package cmdutil

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/credserver"
	"github.com/tip-cli/tip-cli/internal/s3ag"
	"github.com/tip-cli/tip-cli/internal/session"
	"github.com/tip-cli/tip-cli/internal/store"
)

// SourceFlags choose what exec and serve hand out: the identity-enhanced
// session (optionally scoped by session policies) or, with --s3ag, the S3
// Access Grants credentials for a location.
type SourceFlags struct {
	S3AG       string
	Permission string
	Policies   PolicyFlags
}

// Register adds --s3ag, --permission and the session policy flags.
func (s *SourceFlags) Register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&s.S3AG, "s3ag", "", "use S3 Access Grants credentials for this S3 URI instead")
	cmd.Flags().StringVar(&s.Permission, "permission", "READ", "S3 Access Grants permission with --s3ag: READ, WRITE or READWRITE")
	s.Policies.Register(cmd)
}

// Validate checks the flags locally, before any network call.
func (s *SourceFlags) Validate() error {
	if err := s.Policies.Validate(); err != nil {
		return &FlagError{Err: err}
	}
	if s.S3AG == "" {
		return nil
	}
	if s.Policies.Policy != "" || len(s.Policies.PolicyARNs) > 0 {
		return FlagErrorf("--s3ag cannot be combined with session policies")
	}
	if _, err := s.request(); err != nil {
		return &FlagError{Err: err}
	}
	return nil
}

func (s *SourceFlags) request() (s3ag.Request, error) {
	return s3ag.ParseRequest(s3ag.Input{Target: s.S3AG, Permission: s.Permission})
}

// Source returns the function that fetches the chosen credentials through
// m (cached, or refreshed once under the profile lock when due).
func (s *SourceFlags) Source(p *config.Profile, m *session.Manager) (credserver.Source, error) {
	if s.S3AG != "" {
		req, err := s.request()
		if err != nil {
			return nil, &FlagError{Err: err}
		}
		return func(ctx context.Context) (*store.Credentials, error) {
			g, err := m.Grant(ctx, req, false)
			if err != nil {
				return nil, err
			}
			return g.Credentials, nil
		}, nil
	}
	scope, err := s.Policies.Scope(p)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (*store.Credentials, error) { return m.Credentials(ctx, scope, false) }, nil
}

// CredentialServer prepares a credential server for exec --server and
// serve: it fetches the credentials once (signing in interactively when
// allowed, so a problem shows before anything starts) and returns the
// server's configuration. Requests are served by a non-interactive manager;
// when the sign-in is gone and stderr is a terminal (and --non-interactive
// is not set), one sign-in runs in the background. log gets the request
// lines.
func (f *Factory) CredentialServer(ctx context.Context, src *SourceFlags, o SignInOptions, log *slog.Logger) (*config.Profile, credserver.Config, error) {
	p, m, err := f.ProfileManager(o)
	if err != nil {
		return nil, credserver.Config{}, err
	}
	first, err := src.Source(p, m)
	if err != nil {
		return nil, credserver.Config{}, err
	}
	if _, err := first(ctx); err != nil {
		return nil, credserver.Config{}, err
	}
	// A request never opens a browser; recovery does, once.
	qo := o
	qo.NonInteractive = true
	quiet, err := f.Manager(p, qo)
	if err != nil {
		return nil, credserver.Config{}, err
	}
	fetch, err := src.Source(p, quiet)
	if err != nil {
		return nil, credserver.Config{}, err
	}
	token, err := credserver.NewToken(rand.Reader)
	if err != nil {
		return nil, credserver.Config{}, err
	}
	errOut := f.IOStreams.ErrOut
	cfg := credserver.Config{
		Token:  token,
		Source: fetch,
		Fresh:  m.Policy.FreshCredentials,
		Now:    f.Now,
		Log:    log,
		Notice: func(msg string) { fmt.Fprintf(errOut, "tip-cli: %s\n", msg) },
	}
	if m.SignIn != nil && f.IOStreams.IsStderrTTY() {
		cfg.SignIn = func(ctx context.Context) error {
			_, _, err := m.SignInAndExchange(ctx)
			return err
		}
	}
	return p, cfg, nil
}
