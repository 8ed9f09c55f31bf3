package configure

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/cfn"
	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/config"
)

// CFNOptions are the options of `configure generate-cfn-template`.
type CFNOptions struct {
	F            *cmdutil.Factory
	Opts         cfn.Options
	Format       string
	Thumbprinter *cfn.Thumbprinter
}

// NewCmdGenerateCFN returns `configure generate-cfn-template`.
func NewCmdGenerateCFN(f *cmdutil.Factory, runF func(context.Context, *CFNOptions) error) *cobra.Command {
	opts := &CFNOptions{F: f}
	var services string
	cmd := &cobra.Command{
		Use:   "generate-cfn-template ISSUER_URL AUDIENCE [THUMBPRINT]",
		Short: "Print the CloudFormation template for the IAM side",
		Long: `Print a CloudFormation template with the IAM OIDC provider for ISSUER_URL
(audience AUDIENCE), the OIDC role (web identity trust, CreateTokenWithIAM) and
the identity-enhanced role (trust for sts:AssumeRole and sts:SetContext, and
policies for the selected services). Without THUMBPRINT, the thumbprint is
discovered: the SHA-1 of the top intermediate CA certificate served by the
issuer's jwks_uri host; the certificate used is named on stderr.`,
		Example: `  tip-cli configure generate-cfn-template https://example.okta.com/oauth2/default 0oa1example > tip.yaml
  aws cloudformation deploy --template-file tip.yaml --stack-name tip --capabilities CAPABILITY_IAM`,
		Args: cobra.RangeArgs(2, 3),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Opts.IssuerURL = strings.TrimRight(args[0], "/")
			opts.Opts.Audiences = []string{args[1]}
			if err := config.ValidateIssuerURL(opts.Opts.IssuerURL); err != nil {
				return cmdutil.FlagErrorf("ISSUER_URL: %v", err)
			}
			if len(args) == 3 {
				tp, err := cfn.NormalizeThumbprint(args[2])
				if err != nil {
					return cmdutil.FlagErrorf("THUMBPRINT: %v", err)
				}
				opts.Opts.Thumbprints = []string{tp}
			}
			if services != "" {
				opts.Opts.Services = strings.Split(services, ",")
			}
			if err := cmdutil.ValidateChoice("format", opts.Format, templateFormats()); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return cfnRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&services, "services", "", "policy sets for the identity-enhanced role: "+strings.Join(cfn.ValidServices(), ",")+" (default all)")
	cmd.Flags().IntVar(&opts.Opts.MaxSessionDuration, "max-session-duration", cfn.DefaultMaxSessionDuration, "identity-enhanced role's maximum session, seconds (3600-43200)")
	cmdutil.AddChoiceFlag(cmd, &opts.Format, "format", "", "yaml", "template format", templateFormats())
	return cmd
}

// templateFormats are the values of generate-cfn-template --format.
func templateFormats() []string { return []string{"yaml", "json"} }

func cfnRun(ctx context.Context, opts *CFNOptions) error {
	f := opts.F
	if len(opts.Opts.Thumbprints) == 0 {
		tp := opts.Thumbprinter
		if tp == nil {
			tp = &cfn.Thumbprinter{HTTPClient: f.HTTPClient()}
		}
		res, err := tp.Discover(ctx, opts.Opts.IssuerURL)
		if err != nil {
			return fmt.Errorf("discover the OIDC thumbprint (or pass THUMBPRINT): %w", err)
		}
		which := "top intermediate CA"
		if res.LeafOnly {
			which = "leaf certificate (the server sent no CA certificate)"
		}
		fmt.Fprintf(f.IOStreams.ErrOut, "Thumbprint %s from the %s of %s: %s (issued by %s)\n", res.Thumbprint, which, res.Host, res.Subject, res.Issuer)
		opts.Opts.Thumbprints = []string{res.Thumbprint}
	}
	t, err := cfn.Build(opts.Opts)
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	var out []byte
	if opts.Format == "json" {
		out, err = t.JSON()
	} else {
		out, err = t.YAML()
	}
	if err != nil {
		return fmt.Errorf("render template: %w", err)
	}
	_, err = f.IOStreams.Out.Write(out)
	return err
}
