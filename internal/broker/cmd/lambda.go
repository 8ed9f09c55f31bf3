package cmd

import (
	"context"
	"fmt"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/broker/registry"
	"github.com/tip-cli/tip-cli/internal/cmdbase"
)

// RuntimeAPIEnv is set by AWS Lambda (and by the sandbox's emulation of it).
const RuntimeAPIEnv = "AWS_LAMBDA_RUNTIME_API"

// insecurePrivateJWKSEnv=true is --insecure-allow-private-jwks for the
// Lambda mode, which Lambda starts without arguments (the sandbox sets it:
// its issuers listen on loopback).
const insecurePrivateJWKSEnv = "TIP_BROKER_INSECURE_ALLOW_PRIVATE_JWKS"

func newCmdLambda(d *Deps) *cobra.Command {
	o := &serviceFlags{}
	var table string
	cmd := &cobra.Command{
		Use:   "lambda",
		Short: "Run as the Lambda function behind API Gateway (what the template deploys)",
		Long: `Run as an AWS Lambda function (custom runtime provided.al2023) behind an
API Gateway REST API with AWS_IAM authorization. API Gateway verifies each
caller's SigV4 signature; the caller's role comes from the request context.
Registrations are kept in the DynamoDB table named by --table or
TIP_BROKER_TABLE; TIP_BROKER_INSECURE_ALLOW_PRIVATE_JWKS=true is
--insecure-allow-private-jwks. The binary runs this mode by itself when Lambda starts it
as 'bootstrap' with no arguments.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if table == "" {
				table = d.Getenv("TIP_BROKER_TABLE")
			}
			if d.Getenv(insecurePrivateJWKSEnv) == "true" {
				o.allowPrivateJWKS = true
			}
			return runLambda(cmd.Context(), d, o, table)
		},
	}
	o.add(cmd.Flags())
	cmd.Flags().StringVar(&table, "table", "", "DynamoDB table of registrations (default $TIP_BROKER_TABLE)")
	return cmd
}

func runLambda(ctx context.Context, d *Deps, o *serviceFlags, table string) error {
	if err := o.validate(); err != nil {
		return err
	}
	if table == "" {
		return cmdbase.FlagErrorf("no registrations table: set TIP_BROKER_TABLE or --table")
	}
	if d.Getenv(RuntimeAPIEnv) == "" {
		return fmt.Errorf("%s is not set: 'tip-broker lambda' runs inside AWS Lambda; use 'tip-broker serve' elsewhere", RuntimeAPIEnv)
	}
	cfg, err := d.AWSConfig(ctx, "")
	if err != nil {
		return err
	}
	svc := o.newService(d, cfg, registry.NewDynamoDB(dynamodb.NewFromConfig(cfg), table))
	lambda.StartWithOptions(svc.HandleLambdaEvent, lambda.WithContext(ctx))
	return nil // StartWithOptions only returns by exiting the process
}
