package configure

import (
	"context"
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/awsconfig"
	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/iostreams"
	"github.com/tip-cli/tip-cli/internal/lean"
	"github.com/tip-cli/tip-cli/internal/s3ag"
)

// AWSProfileOptions are the options of `configure aws-profile`.
type AWSProfileOptions struct {
	IO *iostreams.IOStreams
	// Getenv locates the AWS files (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, HOME).
	Getenv func(string) string
	// Executable is this tip-cli, the program the written line runs.
	Executable func() (string, error)
	// Profile is the selected tip-cli profile (--profile), set when the
	// command runs; LoadConfig gives its region.
	Profile    string
	LoadConfig func() (*config.File, error)

	Name       string
	S3AG       string
	Permission string
	Region     string
	// CredentialsFile writes into the shared credentials file instead.
	CredentialsFile bool
}

// NewCmdAWSProfile returns `configure aws-profile`; `auth set-aws-profile`
// is the same command under the original tool's name.
func NewCmdAWSProfile(f *cmdutil.Factory, use string, runF func(context.Context, *AWSProfileOptions) error) *cobra.Command {
	opts := &AWSProfileOptions{IO: f.IOStreams, Getenv: f.Getenv, Executable: f.Executable, LoadConfig: f.Config}
	cmd := &cobra.Command{
		Use:   use + " NAME",
		Short: "Write an AWS CLI profile that gets its credentials from tip-cli",
		Long: `Write [profile NAME] with a credential_process line calling this tip-cli into
the AWS config file (AWS_CONFIG_FILE or ~/.aws/config). When
tip-credential-process is installed next to tip-cli, the line calls it
instead: the same arguments, answered from the cache in a fraction of the
time, everything else handed to tip-cli. Every other line and comment is
kept; an existing profile is updated in place; the file is created 0600 if
needed.

--credentials-file writes [NAME] into the shared credentials file
(AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials) instead, for clients
that read only that file (restic and other minio-go based tools). The
AWS CLI and the SDKs read it there too. minio-go splits the line on
spaces and cannot read quotes: install tip-cli in a path without spaces.`,
		Example: `  tip-cli configure aws-profile tip
  tip-cli configure aws-profile tip-data --s3ag s3://bucket/team/ --permission READWRITE
  tip-cli configure aws-profile restic --credentials-file`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if err := awsconfig.ValidateProfileName(opts.Name); err != nil {
				return &cmdutil.FlagError{Err: err}
			}
			if opts.S3AG != "" {
				if _, err := s3ag.ParseURI(opts.S3AG); err != nil {
					return &cmdutil.FlagError{Err: err}
				}
				if _, err := s3ag.ParsePermission(opts.Permission); err != nil {
					return &cmdutil.FlagError{Err: err}
				}
			}
			if opts.Region != "" {
				if err := config.ValidateRegion(opts.Region); err != nil {
					return &cmdutil.FlagError{Err: err}
				}
			}
			opts.Profile = f.ProfileName
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return awsProfileRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.S3AG, "s3ag", "", "use S3 Access Grants credentials for this S3 URI")
	cmd.Flags().StringVar(&opts.Permission, "permission", "READ", "S3 Access Grants permission with --s3ag")
	cmd.Flags().StringVar(&opts.Region, "region", "", "region to write into the profile (default: the tip-cli profile's)")
	cmd.Flags().BoolVar(&opts.CredentialsFile, "credentials-file", false, "write into the shared credentials file (~/.aws/credentials), for clients that read only it")
	return cmd
}

func awsProfileRun(opts *AWSProfileOptions) error {
	exe, err := opts.Executable()
	if err != nil {
		return fmt.Errorf("locate tip-cli: %w", err)
	}
	var args []string
	if opts.Profile != config.DefaultProfile {
		args = append(args, "--profile", opts.Profile)
	}
	if opts.S3AG != "" {
		perm, _ := s3ag.ParsePermission(opts.Permission)
		args = append(args, "s3ag", "get-data-access", opts.S3AG, "--permission", string(perm))
	} else {
		args = append(args, "auth", "get-iam-credentials")
	}
	// The lean binary answers the same command line near the start-up cost
	// of an empty program and hands anything else to tip-cli (#17).
	if lean := lean.Beside(exe, runtime.GOOS); lean != "" {
		exe = lean
	}
	line := awsconfig.CredentialProcessLine(exe, args...)
	settings := []awsconfig.KV{{Key: "credential_process", Value: line}}
	if opts.CredentialsFile {
		return writeCredentialsFile(opts, settings)
	}
	region := opts.Region
	if region == "" {
		if cfg, err := opts.LoadConfig(); err == nil {
			if p, err := cfg.Profile(opts.Profile); err == nil {
				region = p.Region
			}
		}
	}
	if region != "" {
		settings = append(settings, awsconfig.KV{Key: "region", Value: region})
	}
	path, err := awsconfig.Path(opts.Getenv)
	if err != nil {
		return err
	}
	created, err := awsconfig.SetProfile(path, opts.Name, settings)
	if err != nil {
		return fmt.Errorf("write AWS profile %s: %w", opts.Name, err)
	}
	printWritten(opts.IO, created, awsconfig.ProfileSection(opts.Name), path, opts.Name)
	return nil
}

// writeCredentialsFile writes the credential_process into [NAME] of the
// shared credentials file. The region stays out: readers of that file
// take it from the config file or AWS_REGION.
func writeCredentialsFile(opts *AWSProfileOptions, settings []awsconfig.KV) error {
	path, err := awsconfig.CredentialsPath(opts.Getenv)
	if err != nil {
		return err
	}
	created, err := awsconfig.SetCredentialsProfile(path, opts.Name, settings)
	if err != nil {
		return fmt.Errorf("write AWS profile %s: %w", opts.Name, err)
	}
	printWritten(opts.IO, created, "["+opts.Name+"]", path, opts.Name)
	errOut := opts.IO.ErrOut
	if awsconfig.QuotedForMinio(settings[0].Value) {
		fmt.Fprintf(errOut, "warning: the command line has quoted words, which minio-go based clients (restic) "+
			"cannot run: install tip-cli in a path of letters, digits and _@%%+:,./- only\n")
	}
	if opts.Region != "" {
		fmt.Fprintf(errOut, "note: --region is not written to the credentials file: set region in the AWS config file or AWS_REGION\n")
	}
	return nil
}

func printWritten(ios *iostreams.IOStreams, created bool, section, path, name string) {
	verb := "Updated"
	if created {
		verb = "Added"
	}
	fmt.Fprintf(ios.ErrOut, "✓ %s %s in %s\n  try: aws sts get-caller-identity --profile %s\n", verb, section, path, name)
}
