package s3ag

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/credproc"
	"github.com/tip-cli/tip-cli/internal/s3ag"
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
	cmdutil.AddCredentialFormatFlag(cmd, &opts.Format)
	cmdutil.AddNonInteractiveFlag(cmd, &opts.SignIn)
	return cmd
}

// Request parses and checks the flags locally, so malformed input never
// reaches the network. The account may stay empty until the session's
// account is known.
func (o *GetDataAccessOptions) Request() (s3ag.Request, error) {
	return s3ag.ParseRequest(s3ag.Input{Target: o.Target, Permission: o.Permission, Privilege: o.Privilege,
		TargetType: o.TargetType, AccountID: o.AccountID, DurationSeconds: o.DurationSeconds})
}

func getDataAccessRun(ctx context.Context, opts *GetDataAccessOptions) error {
	f := opts.F
	req, err := opts.Request()
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	h, err := f.GrantHandout(opts.SignIn)
	if err != nil {
		return err
	}
	grant, err := h.Grant(ctx, req, opts.Force)
	if err != nil {
		return err
	}
	return credproc.Write(f.IOStreams.Out, opts.Format, grant.Credentials, credproc.Extra{Target: grant.Target})
}
