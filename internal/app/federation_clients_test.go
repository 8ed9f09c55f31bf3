package app

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// TestFederationRealClients: the AWS CLI v2, boto3 and the Go SDK v2, none
// of them ours, use a federation-mode profile through credential_process
// (the lean binary, as `configure aws-profile` writes it) and reach STS with
// the session that carries the person. In CI every client must be there.
func TestFederationRealClients(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts real processes")
	}
	bins := installBinaries(t)
	k := federationKit(t)
	awsCfg := filepath.Join(t.TempDir(), "config")
	writeFile(t, awsCfg, "[profile tip]\ncredential_process = "+bins.lean+" auth get-iam-credentials --non-interactive\nregion = us-east-1\n")
	env := []string{"AWS_CONFIG_FILE=" + awsCfg, "AWS_PROFILE=tip", "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER="}
	for _, kv := range procEnv(t, k) {
		if !strings.HasPrefix(kv, "AWS_CONFIG_FILE=") {
			env = append(env, kv)
		}
	}
	wantRole := "assumed-role/tip-sandbox-federation/"

	t.Run("Go SDK v2", func(t *testing.T) {
		// The SDK runs credential_process with this process's environment,
		// which a parallel test may not change: env(1) sets tip-cli's.
		var vars []string
		for _, kv := range env {
			if strings.HasPrefix(kv, "AWS_TIP_CLI=") || strings.HasPrefix(kv, "TIP_CLI_") || strings.HasPrefix(kv, "AWS_ENDPOINT_URL=") {
				vars = append(vars, kv)
			}
		}
		goCfg := filepath.Join(t.TempDir(), "config")
		writeFile(t, goCfg, "[profile tip]\ncredential_process = /usr/bin/env "+strings.Join(vars, " ")+" "+bins.lean+" auth get-iam-credentials --non-interactive\nregion = us-east-1\n")
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithSharedConfigFiles([]string{goCfg}),
			awsconfig.WithSharedCredentialsFiles([]string{os.DevNull}), awsconfig.WithSharedConfigProfile("tip"))
		if err != nil {
			t.Fatal(err)
		}
		out, err := sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = aws.String(k.Env.AWS.URL()) }).
			GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil || !strings.Contains(aws.ToString(out.Arn), wantRole) {
			t.Fatalf("GetCallerIdentity through credential_process: %v %v", out, err)
		}
	})

	clients := []struct {
		name string
		argv []string
	}{
		{"AWS CLI v2", []string{"/usr/bin/aws", "sts", "get-caller-identity", "--endpoint-url", k.Env.AWS.URL(), "--output", "text", "--query", "Arn"}},
		{"boto3", []string{"python3", "-c", "import boto3,sys; print(boto3.client('sts', endpoint_url=sys.argv[1]).get_caller_identity()['Arn'])", k.Env.AWS.URL()}},
	}
	for _, c := range clients {
		t.Run(c.name, func(t *testing.T) {
			if _, err := exec.LookPath(c.argv[0]); err != nil || (c.name == "boto3" && exec.Command("python3", "-c", "import boto3").Run() != nil) {
				if os.Getenv("CI") == "true" {
					t.Fatalf("%s is not installed in CI", c.name)
				}
				t.Skipf("%s is not installed", c.name)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, c.argv[0], c.argv[1:]...)
			cmd.Env = env
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), wantRole) {
				t.Fatalf("%s: %v: %s", c.name, err, out)
			}
		})
	}
}
