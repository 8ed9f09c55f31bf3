// Package app is tip-broker's entry point: it builds the command
// dependencies, runs the cobra tree under a signal-aware context and reports
// errors the same way tip-cli does (one line on stderr, exit codes).
package app

import (
	"context"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"

	brokercmd "github.com/tip-cli/tip-cli/internal/broker/cmd"
	"github.com/tip-cli/tip-cli/internal/broker/deploy"
	"github.com/tip-cli/tip-cli/internal/cmdbase"
	"github.com/tip-cli/tip-cli/internal/iostreams"
)

// Main runs tip-broker with the process's arguments and returns the exit
// code. Started by Lambda as bootstrap with no arguments (the runtime API
// is set, and the template also sets TIP_BROKER_MODE=lambda), it runs the
// Lambda mode.
func Main(info cmdbase.BuildInfo) int {
	d := &brokercmd.Deps{
		IOStreams: iostreams.System(),
		Getenv:    os.Getenv,
		Now:       time.Now,
		AWSConfig: loadAWSConfig,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	args := os.Args[1:]
	if len(args) == 0 && (os.Getenv(brokercmd.RuntimeAPIEnv) != "" || os.Getenv(deploy.EnvMode) == deploy.ModeLambda) {
		args = []string{"lambda"}
	}
	return execute(ctx, d, info, args)
}

// execute executes one tip-broker command line and returns the exit code.
func execute(ctx context.Context, d *brokercmd.Deps, info cmdbase.BuildInfo, args []string) int {
	cmd := brokercmd.NewCmdRoot(d, info)
	cmd.SetArgs(args)
	cmd.SetIn(d.IOStreams.In)
	cmd.SetOut(d.IOStreams.Out)
	cmd.SetErr(d.IOStreams.ErrOut)
	if err := cmd.ExecuteContext(ctx); err != nil {
		return cmdbase.Report(d.IOStreams.ErrOut, "tip-broker", err, ctx.Err() != nil, nil)
	}
	return cmdbase.ExitOK
}

// loadAWSConfig loads the SDK configuration the usual way, ambient
// credentials included: the broker acts as its own role, the client
// commands as the application's. More idle connections per host than the
// SDK's default of 10: the broker calls STS for every request, many at a
// time.
func loadAWSConfig(ctx context.Context, region string) (aws.Config, error) {
	client := awshttp.NewBuildableClient().WithTimeout(30 * time.Second).
		WithTransportOptions(func(tr *http.Transport) { tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 512, 256 })
	return cmdbase.LoadAWSConfig(ctx, region, "pass --region or set AWS_REGION", client)
}
