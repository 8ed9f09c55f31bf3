package configure

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/cfn"
	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/iostreams"
)

// CFNOptions are the options of `configure generate-cfn-template`.
type CFNOptions struct {
	IO *iostreams.IOStreams
	// HTTPClient fetches the issuer's discovery document for the thumbprint.
	HTTPClient   func() *http.Client
	Opts         cfn.Options
	Format       string
	Thumbprinter *cfn.Thumbprinter
}

// NewCmdGenerateCFN returns `configure generate-cfn-template`.
func NewCmdGenerateCFN(f *cmdutil.Factory, runF func(context.Context, *CFNOptions) error) *cobra.Command {
	opts := &CFNOptions{IO: f.IOStreams, HTTPClient: f.HTTPClient}
	var services string
	cmd := &cobra.Command{
		Use:   "generate-cfn-template ISSUER_URL AUDIENCE [THUMBPRINT]",
		Short: "Print the CloudFormation template for the IAM side",
		Long: `Print a CloudFormation template with the IAM OIDC provider for ISSUER_URL
(audience AUDIENCE), the OIDC role (web identity trust, CreateTokenWithIAM) and
the identity-enhanced role (trust for sts:AssumeRole and sts:SetContext, and
policies for the selected services). Without THUMBPRINT, the thumbprint is
discovered: the SHA-1 of the top intermediate CA certificate served by the
issuer's jwks_uri host; the certificate used is named on stderr.

With --tip-mode iam-federation the template holds the IAM OIDC provider and
one role trusted through it for AUDIENCE (output RoleArn, the profile's
role_arn; MaxSessionDuration 43200 unless --max-session-duration), with the
athena and redshift-data policies unless --services. CloudFormation has no
property for the provider's context provider, which is what makes its
sessions carry the person: the command prints on stderr the
"aws iam update-open-id-connect-provider" call that adds it (subject from
the --subject-claim claim, of --subject-type), to run once after deploying,
and a second call linking --identity-center-instance-arn when given.`,
		Example: `  tip-cli configure generate-cfn-template https://example.okta.com/oauth2/default 0oa1example > tip.yaml
  aws cloudformation deploy --template-file tip.yaml --stack-name tip --capabilities CAPABILITY_IAM

  tip-cli configure generate-cfn-template --tip-mode iam-federation https://example.okta.com/oauth2/default 0oa1example > tip-federation.yaml`,
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
			if err := cmdutil.ValidateChoice("tip-mode", opts.Opts.Mode, cfn.Modes()); err != nil {
				return err
			}
			if err := cmdutil.ValidateChoice("subject-type", opts.Opts.SubjectType, []string{cfn.SubjectTypeUser, cfn.SubjectTypeWorkload}); err != nil {
				return err
			}
			if opts.Opts.Mode != cfn.ModeIAMFederation {
				for _, name := range []string{"subject-claim", "subject-type", "identity-center-instance-arn"} {
					if cmd.Flags().Changed(name) {
						return cmdutil.FlagErrorf("--%s needs --tip-mode %s", name, cfn.ModeIAMFederation)
					}
				}
				opts.Opts.SubjectClaim, opts.Opts.SubjectType = "", ""
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return cfnRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&services, "services", "", "policy sets for the identity-enhanced role (the federation role with --tip-mode iam-federation): "+strings.Join(cfn.ValidServices(), ",")+" (default all; athena,redshift-data for iam-federation, which refuses qbusiness)")
	cmd.Flags().IntVar(&opts.Opts.MaxSessionDuration, "max-session-duration", 0, "maximum session of the identity-enhanced role (the federation role with --tip-mode iam-federation), seconds (3600-43200; default 3600, 43200 for iam-federation)")
	cmdutil.AddChoiceFlag(cmd, &opts.Format, "format", "", "yaml", "template format", templateFormats())
	cmdutil.AddChoiceFlag(cmd, &opts.Opts.Mode, "tip-mode", "", cfn.ModeIdentityCenter, "how sessions carry the person: the Identity Center chain or TIP for IAM federation", cfn.Modes())
	cmd.Flags().StringVar(&opts.Opts.SubjectClaim, "subject-claim", "email", "iam-federation: ID token claim the context provider takes the person from")
	cmdutil.AddChoiceFlag(cmd, &opts.Opts.SubjectType, "subject-type", "", cfn.SubjectTypeUser, "iam-federation: subject type of the context provider", []string{cfn.SubjectTypeUser, cfn.SubjectTypeWorkload})
	cmd.Flags().StringVar(&opts.Opts.IdentityCenterInstanceARN, "identity-center-instance-arn", "", "iam-federation: Identity Center instance to link to the provider (group access)")
	return cmd
}

// templateFormats are the values of generate-cfn-template --format.
func templateFormats() []string { return []string{"yaml", "json"} }

func cfnRun(ctx context.Context, opts *CFNOptions) error {
	if len(opts.Opts.Thumbprints) == 0 {
		tp := opts.Thumbprinter
		if tp == nil {
			tp = &cfn.Thumbprinter{HTTPClient: opts.HTTPClient()}
		}
		res, err := tp.Discover(ctx, opts.Opts.IssuerURL)
		if err != nil {
			return fmt.Errorf("discover the OIDC thumbprint (or pass THUMBPRINT): %w", err)
		}
		which := "top intermediate CA"
		if res.LeafOnly {
			which = "leaf certificate (the server sent no CA certificate)"
		}
		fmt.Fprintf(opts.IO.ErrOut, "Thumbprint %s from the %s of %s: %s (issued by %s)\n", res.Thumbprint, which, res.Host, res.Subject, res.Issuer)
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
	if _, err = opts.IO.Out.Write(out); err != nil {
		return err
	}
	if opts.Opts.Mode == cfn.ModeIAMFederation {
		return printContextProviderCommands(opts.IO.ErrOut, opts.Opts)
	}
	return nil
}

// printContextProviderCommands tells, on stderr, how to add what the
// template cannot: the provider's context provider (and Identity Center link).
func printContextProviderCommands(w io.Writer, o cfn.Options) error {
	cmds, err := cfn.ContextProviderCommands(o)
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	fmt.Fprintln(w, "CloudFormation cannot set the IAM OIDC provider's context provider. After deploying, enable")
	fmt.Fprintln(w, "trusted identity propagation on it (AWS CLI v2 with UpdateOpenIDConnectProvider), one call at a time:")
	for _, c := range cmds {
		fmt.Fprintln(w, "  "+c)
	}
	return nil
}
