package cmdbase

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
)

// BuildInfo is stamped into a binary at build time.
type BuildInfo struct{ Version, Commit, Date string }

// FormatVersion renders the version line of program prog.
func FormatVersion(prog string, i BuildInfo) string {
	return fmt.Sprintf("%s %s (commit %s, built %s)", prog, i.Version, i.Commit, i.Date)
}

// LoadAWSConfig loads the SDK configuration the usual way with client as
// the HTTP client, region (when not empty) and opts; without a region it
// fails with regionHint.
//
// The HTTP client must be the SDK's buildable client: AWS_CA_BUNDLE and
// ca_bundle can only be applied to it.
func LoadAWSConfig(ctx context.Context, region, regionHint string, client *awshttp.BuildableClient,
	opts ...func(*awsconfig.LoadOptions) error) (aws.Config, error) {
	opts = append(opts, awsconfig.WithHTTPClient(client))
	if region != "" {
		opts = append(opts, awsconfig.WithRegion(region))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return aws.Config{}, fmt.Errorf("no AWS region: %s", regionHint)
	}
	return cfg, nil
}
