package cmdutil

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/cred"
	"github.com/tip-cli/tip-cli/internal/credserver"
	"github.com/tip-cli/tip-cli/internal/s3ag"
	"github.com/tip-cli/tip-cli/internal/session"
)

// SourceFlags choose what exec and serve hand out (Factory.Handout): the
// identity-enhanced session (optionally scoped by session policies) or,
// with --s3ag, the S3 Access Grants credentials for a location.
// get-iam-credentials and console register only the policy flags and hand
// out SourceFlags{Policies: …}.
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

// CredentialServer prepares a credential server for exec --server and
// serve with the selected profile at credserver.Path (CredentialEndpoint)
// and a new token. log gets the request lines.
func (f *Factory) CredentialServer(ctx context.Context, src *SourceFlags, o SignInOptions, log *slog.Logger) (*config.Profile, credserver.Config, error) {
	p, e, err := f.CredentialEndpoint(ctx, src, o)
	if err != nil {
		return nil, credserver.Config{}, err
	}
	token, err := credserver.NewToken(rand.Reader)
	if err != nil {
		return nil, credserver.Config{}, err
	}
	return p, f.ServerConfig(token, map[string]credserver.Endpoint{credserver.Path: e}, log), nil
}

// ServerConfig is the credential server's configuration for endpoints.
func (f *Factory) ServerConfig(token string, endpoints map[string]credserver.Endpoint, log *slog.Logger) credserver.Config {
	errOut := f.IOStreams.ErrOut
	return credserver.Config{
		Token:     token,
		Endpoints: endpoints,
		Now:       f.Now,
		Sleep:     f.Sleep,
		Log:       log,
		Notice:    func(msg string) { fmt.Fprintf(errOut, "tip-cli: %s\n", msg) },
	}
}

// CredentialEndpoint prepares the selected profile's endpoint: it fetches
// the credentials once (signing in interactively when allowed, so a
// problem shows before anything starts). When that fetch fails with
// *session.LoginRequiredError, the endpoint is returned with the error,
// usable as it is (an agent serves NotSignedIn until `tip-cli auth`); any
// other error returns no endpoint. Requests are served by a
// non-interactive manager; when the sign-in is gone and stderr is a
// terminal (and --non-interactive is not set), one sign-in runs in the
// background. The endpoint refreshes ahead (credproc.Policy.Ahead): the
// same manager with the stricter policy, computed from each session's own
// mint and expiry times.
func (f *Factory) CredentialEndpoint(ctx context.Context, src *SourceFlags, o SignInOptions) (*config.Profile, credserver.Endpoint, error) {
	h, err := f.Handout(o, src, false)
	if err != nil {
		return nil, credserver.Endpoint{}, err
	}
	initial, initErr := h.Get(ctx)
	var lre *session.LoginRequiredError
	if initErr != nil && !errors.As(initErr, &lre) {
		return nil, credserver.Endpoint{}, initErr
	}
	// A request never opens a browser; recovery does, once.
	qo := o
	qo.NonInteractive = true
	quiet, err := f.Manager(h.Profile, qo)
	if err != nil {
		return nil, credserver.Endpoint{}, err
	}
	m, policy := h.Manager, quiet.Policy
	e := credserver.Endpoint{
		Source:  h.Through(quiet),
		Fresh:   policy.FreshCredentials,
		Initial: initial,
		Ahead: &credserver.Ahead{
			At: func(c *cred.Credentials) time.Time {
				at, _ := policy.Ahead(c.MintedAt, c.Expiration)
				return at
			},
			Refresh: func(ctx context.Context, c *cred.Credentials) (*cred.Credentials, error) {
				strict := *quiet
				_, strict.Policy = policy.Ahead(c.MintedAt, c.Expiration)
				return h.Through(&strict)(ctx)
			},
		},
	}
	if m.SignIn != nil && f.IOStreams.IsStderrTTY() {
		e.SignIn = func(ctx context.Context) error {
			_, _, err := m.SignInAndExchange(ctx)
			return err
		}
	}
	return h.Profile, e, initErr
}
