package s3ag

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/credproc"
	"github.com/tip-cli/tip-cli/internal/exchange"
	"github.com/tip-cli/tip-cli/internal/s3ag"
	"github.com/tip-cli/tip-cli/internal/s3ag/dataaccess"
	"github.com/tip-cli/tip-cli/internal/session"
	"github.com/tip-cli/tip-cli/internal/store"
	"github.com/tip-cli/tip-cli/internal/warm"
)

// GetDataAccessOptions are the options of `s3ag get-data-access`.
type GetDataAccessOptions struct {
	F               *cmdutil.Factory
	Target          string
	Permission      string
	AccountID       string
	DurationSeconds int32
	TargetType      string
	Privilege       string
	Force           bool
	Format          string
	SignIn          cmdutil.SignInOptions
}

// NewCmdGetDataAccess returns `s3ag get-data-access`.
func NewCmdGetDataAccess(f *cmdutil.Factory, runF func(context.Context, *GetDataAccessOptions) error) *cobra.Command {
	opts := &GetDataAccessOptions{F: f}
	cmd := &cobra.Command{
		Use:   "get-data-access S3_URI",
		Short: "Print S3 Access Grants credentials for an S3 location (credential_process)",
		Long: `Print credentials from S3 Access Grants GetDataAccess for S3_URI, signed by
your identity-enhanced session. Any later request inside an already granted
scope (the matched grant target) with a permission the grant covers is served
from the cache while valid. Use it in ~/.aws/config:

  [profile tip-data]
  credential_process = tip-cli s3ag get-data-access s3://bucket/prefix/ --permission READWRITE`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Target = args[0]
			if _, err := opts.Request(); err != nil {
				return &cmdutil.FlagError{Err: err}
			}
			if err := credproc.ValidateFormat(opts.Format); err != nil {
				return &cmdutil.FlagError{Err: err}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return getDataAccessRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Permission, "permission", "READ", "READ, WRITE or READWRITE")
	cmd.Flags().StringVar(&opts.AccountID, "account-id", "", "account of the Access Grants instance (default: the identity-enhanced session's account)")
	cmd.Flags().Int32Var(&opts.DurationSeconds, "duration-seconds", 0, "credential lifetime, 900-43200 (default 3600)")
	cmd.Flags().StringVar(&opts.TargetType, "target-type", "", "Object when S3_URI names one object")
	cmd.Flags().StringVar(&opts.Privilege, "privilege", "Default", "Default (scoped to the grant) or Minimal (scoped to S3_URI)")
	cmd.Flags().BoolVar(&opts.Force, "force-new-creds", false, "ignore cached credentials")
	cmd.Flags().StringVar(&opts.Format, "format", credproc.FormatProcess, "output format: process, env or json")
	cmdutil.AddNonInteractiveFlag(cmd, &opts.SignIn)
	return cmd
}

// Request parses and checks the flags locally, so malformed input never
// reaches the network. The account may stay empty until the session's
// account is known.
func (o *GetDataAccessOptions) Request() (s3ag.Request, error) {
	return s3ag.ParseRequest(o.Target, o.Permission, o.Privilege, o.TargetType, o.AccountID, o.DurationSeconds)
}

func getDataAccessRun(ctx context.Context, opts *GetDataAccessOptions) error {
	f := opts.F
	req, err := opts.Request()
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	p, m, err := f.ProfileManager(opts.SignIn)
	if err != nil {
		return err
	}
	grant, err := GrantCredentials(ctx, f, p, m, req, opts.Force)
	if err != nil {
		return err
	}
	return credproc.Write(f.IOStreams.Out, opts.Format, grant.Credentials, credproc.Extra{Target: grant.Target})
}

// GrantCredentials serves S3 Access Grants credentials for req: from the
// cache (one store read, no lock) when a cached grant covers it, otherwise
// under the profile lock, refreshing the identity-enhanced session as
// needed and caching the new grant. exec --s3ag uses it too.
func GrantCredentials(ctx context.Context, f *cmdutil.Factory, p *config.Profile, m *session.Manager, req s3ag.Request, force bool) (*store.Grant, error) {
	if !force {
		b, err := m.Store.Get(ctx, m.Profile)
		if err != nil {
			return nil, fmt.Errorf("read cached credentials: %w", err)
		}
		if g := lookup(m, b, req); g != nil {
			return g, nil
		}
	}
	var grant *store.Grant
	err := m.Update(ctx, func(b *store.Bundle) (bool, error) {
		if g := lookup(m, b, req); g != nil && !force {
			grant = g // another process fetched it while we waited
			return false, nil
		}
		sess, err := m.SessionLocked(ctx, b, exchange.Scope{})
		if err != nil {
			return true, err // the session may have refreshed: save it
		}
		g, err := fetch(ctx, f, p, sess, req)
		if err != nil {
			return true, err
		}
		b.Grants = s3ag.Upsert(b.Grants, g, f.Now())
		grant = g
		return true, nil
	})
	return grant, err
}

func lookup(m *session.Manager, b *store.Bundle, req s3ag.Request) *store.Grant {
	return warm.Grant(b, req, m.Policy, m.Now())
}

// fetch calls GetDataAccess signed by the identity-enhanced session. The
// account comes from --account-id, else the session's assumed-role ARN,
// else the profile.
func fetch(ctx context.Context, f *cmdutil.Factory, p *config.Profile, sess *store.Credentials, req s3ag.Request) (*store.Grant, error) {
	switch {
	case req.AccountID != "":
	case sess.AccountID != "":
		req.AccountID = sess.AccountID
	case p.AccountID != "":
		req.AccountID = p.AccountID
	default:
		return nil, fmt.Errorf("cannot tell the S3 Access Grants account: pass --account-id")
	}
	cfg, err := f.AWSConfig(ctx, p.Region)
	if err != nil {
		return nil, err
	}
	cfg.Credentials = aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: sess.AccessKeyID, SecretAccessKey: sess.SecretAccessKey, SessionToken: sess.SessionToken, CanExpire: true, Expires: sess.Expiration}, nil
	}))
	client := dataaccess.NewClient(cfg, "")
	client.Now = f.Now
	return client.GetDataAccess(ctx, req)
}
