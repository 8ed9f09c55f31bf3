package cmd

import (
	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/broker/deploy"
	"github.com/tip-cli/tip-cli/internal/cmdbase"
)

func newCmdTemplate(d *Deps) *cobra.Command {
	var o deploy.Options
	var format string
	cmd := &cobra.Command{
		Use:   "template",
		Short: "Print the CloudFormation template of the Lambda deployment",
		Long: `Print the CloudFormation template that deploys tip-broker in AWS: an API
Gateway REST API with AWS_IAM authorization, the Lambda function (the linux
tip-broker binary zipped as 'bootstrap'), the DynamoDB registrations table and
the broker's service role. Each application then gives its access role a trust
policy admitting the template's BrokerRoleArn output for sts:AssumeRole and
sts:TagSession.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if format != "yaml" && format != "json" {
				return cmdbase.FlagErrorf("--format must be yaml or json, got %q", format)
			}
			t, err := deploy.Template(o)
			if err != nil {
				return cmdbase.FlagErrorf("%v", err)
			}
			out, err := t.YAML()
			if format == "json" {
				out, err = t.JSON()
			}
			if err != nil {
				return err
			}
			_, err = d.IOStreams.Out.Write(out)
			return err
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&format, "format", "yaml", "yaml or json")
	fs.StringVar(&o.CodeS3Bucket, "code-bucket", "", "S3 bucket of the Lambda zip (default: a template parameter)")
	fs.StringVar(&o.CodeS3Key, "code-key", "", "S3 key of the Lambda zip")
	fs.StringVar(&o.TableName, "table-name", "", "fixed DynamoDB table name (default: CloudFormation names it)")
	fs.StringVar(&o.Architecture, "architecture", "arm64", "Lambda architecture: arm64 or x86_64")
	fs.IntVar(&o.MemorySize, "memory", 256, "Lambda memory in MB")
	fs.StringVar(&o.Stage, "stage", "prod", "API Gateway stage name")
	fs.Float64Var(&o.ThrottleRate, "throttle-rate", deploy.DefaultThrottleRate, "stage-wide requests per second")
	fs.IntVar(&o.ThrottleBurst, "throttle-burst", deploy.DefaultThrottleBurst, "stage-wide burst")
	fs.StringSliceVar(&o.AllowedAccountIDs, "allow-account", nil, "other AWS account ids whose roles may call the broker")
	return cmd
}
