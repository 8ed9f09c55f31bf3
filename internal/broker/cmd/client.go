package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/broker/api"
	"github.com/tip-cli/tip-cli/internal/broker/client"
	"github.com/tip-cli/tip-cli/internal/broker/registry"
	"github.com/tip-cli/tip-cli/internal/broker/server"
	"github.com/tip-cli/tip-cli/internal/cmdbase"
	"github.com/tip-cli/tip-cli/internal/loopback"
)

// clientOptions are the connection flags of the client commands.
type clientOptions struct {
	endpoint, auth, brokerID, stsEndpoint, region string
}

func (o *clientOptions) add(cmd *cobra.Command, d *Deps) {
	fs := cmd.Flags()
	fs.StringVar(&o.endpoint, "endpoint", d.Getenv("TIP_BROKER_ENDPOINT"), "broker API URL, e.g. https://ID.execute-api.REGION.amazonaws.com/prod (env TIP_BROKER_ENDPOINT)")
	fs.StringVar(&o.auth, "auth", "auto", "caller authentication: sigv4 (API Gateway), sts (standalone server) or auto (sigv4 for execute-api hosts)")
	fs.StringVar(&o.brokerID, "broker-id", d.Getenv("TIP_BROKER_ID"), "the standalone broker's --broker-id (env TIP_BROKER_ID)")
	fs.StringVar(&o.stsEndpoint, "sts-endpoint", d.Getenv("AWS_ENDPOINT_URL_STS"), "STS endpoint to presign for (default https://sts.REGION.amazonaws.com)")
	fs.StringVar(&o.region, "region", "", "AWS region (default from the environment)")
}

// client builds a broker client signing with the ambient AWS credentials.
func (o *clientOptions) client(ctx context.Context, d *Deps) (*client.Client, error) {
	u, err := url.Parse(o.endpoint)
	switch {
	case o.endpoint == "":
		return nil, cmdbase.FlagErrorf("--endpoint is required (or set TIP_BROKER_ENDPOINT)")
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		return nil, cmdbase.FlagErrorf("--endpoint must be an http(s) URL, got %q", o.endpoint)
	case u.Scheme == "http" && !loopback.IsHost(u.Hostname()):
		return nil, cmdbase.FlagErrorf("--endpoint must use https unless it is a loopback address")
	}
	auth := client.Auth(o.auth)
	switch o.auth {
	case "auto":
		auth = client.DetectAuth(o.endpoint)
	case string(client.AuthSigV4), string(client.AuthSTS):
	default:
		return nil, cmdbase.FlagErrorf("--auth must be auto, sigv4 or sts, got %q", o.auth)
	}
	if auth == client.AuthSTS && o.brokerID == "" {
		return nil, cmdbase.FlagErrorf("--broker-id is required with sts authentication (or set TIP_BROKER_ID)")
	}
	cfg, err := d.AWSConfig(ctx, o.region)
	if err != nil {
		return nil, err
	}
	sts := o.stsEndpoint
	if sts == "" {
		sts = "https://sts." + cfg.Region + ".amazonaws.com"
	}
	return &client.Client{Endpoint: o.endpoint, Auth: auth, Signer: cfg.Credentials, Region: cfg.Region,
		BrokerID: o.brokerID, STSEndpoint: sts, HTTP: &http.Client{Timeout: 30 * time.Second}, Now: d.Now}, nil
}

// clientCommand is the client command that calls route r of the broker's
// route table, nil for the public routes (the health check needs none).
// TestEveryRouteHasACommand fails for a route added to the table without
// one.
func clientCommand(d *Deps, r api.Route) *cobra.Command {
	switch {
	case r.Public:
		return nil
	case r.Op == api.Register:
		return newCmdRegister(d)
	case r.Op == api.Describe:
		return newCmdDescribe(d)
	case r.Op == api.Deregister:
		return newCmdDeregister(d)
	case r.Op == api.Credentials:
		return newCmdCredentials(d)
	}
	return nil
}

func newCmdRegister(d *Deps) *cobra.Command {
	o := &clientOptions{}
	var reg registry.Application
	cmd := &cobra.Command{
		Use:   "register",
		Short: "Register the calling application role with a broker",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client(cmd.Context(), d)
			if err != nil {
				return err
			}
			out, err := c.Register(cmd.Context(), reg)
			if err != nil {
				return err
			}
			return writeJSON(d.IOStreams.Out, out)
		},
	}
	o.add(cmd, d)
	fs := cmd.Flags()
	fs.StringVar(&reg.AccessRoleName, "access-role-name", "", "role in the application's account the broker assumes (required)")
	fs.StringVar(&reg.SessionTagKey, "session-tag-key", "", "session tag key, e.g. TenantID (required)")
	fs.StringVar(&reg.JWTClaimName, "jwt-claim-name", "", "JWT claim whose value becomes the tag value (required)")
	fs.StringVar(&reg.JWKSetURL, "jwks-url", "", "the application's JWKS URL, https (required)")
	fs.StringVar(&reg.Issuer, "issuer", "", "require this iss in every token")
	fs.StringVar(&reg.Audience, "audience", "", "require this aud in every token")
	for _, name := range []string{"access-role-name", "session-tag-key", "jwt-claim-name", "jwks-url"} {
		_ = cmd.MarkFlagRequired(name) // the flags exist
	}
	return cmd
}

func newCmdDescribe(d *Deps) *cobra.Command {
	o := &clientOptions{}
	cmd := &cobra.Command{
		Use:   "describe",
		Short: "Show the calling application's registration",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client(cmd.Context(), d)
			if err != nil {
				return err
			}
			out, err := c.Describe(cmd.Context())
			if err != nil {
				return err
			}
			return writeJSON(d.IOStreams.Out, out)
		},
	}
	o.add(cmd, d)
	return cmd
}

func newCmdDeregister(d *Deps) *cobra.Command {
	o := &clientOptions{}
	cmd := &cobra.Command{
		Use:   "deregister",
		Short: "Remove the calling application's registration",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client(cmd.Context(), d)
			if err != nil {
				return err
			}
			if err := c.Deregister(cmd.Context()); err != nil {
				return err
			}
			_, err = fmt.Fprintln(d.IOStreams.ErrOut, "tip-broker: registration removed")
			return err
		},
	}
	o.add(cmd, d)
	return cmd
}

func newCmdCredentials(d *Deps) *cobra.Command {
	o := &clientOptions{}
	var jwt, output string
	cmd := &cobra.Command{
		Use:   "credentials",
		Short: "Exchange an end user's JWT for tenant-scoped AWS credentials",
		Long: `Exchange an end user's JWT for AWS credentials scoped by its claim.
Pass the token with --jwt - to read it from stdin and keep it out of the
process list. --output credential-process prints the AWS CLI/SDK
credential_process format.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "json" && output != "credential-process" {
				return cmdbase.FlagErrorf("--output must be json or credential-process, got %q", output)
			}
			token, err := readToken(jwt, d.IOStreams.In)
			if err != nil {
				return err
			}
			c, err := o.client(cmd.Context(), d)
			if err != nil {
				return err
			}
			creds, err := c.Credentials(cmd.Context(), token)
			if err != nil {
				return err
			}
			if output == "credential-process" {
				return writeJSON(d.IOStreams.Out, struct {
					Version int
					server.Credentials
				}{1, creds})
			}
			return writeJSON(d.IOStreams.Out, creds)
		},
	}
	o.add(cmd, d)
	cmd.Flags().StringVar(&jwt, "jwt", "", "the end user's JWT, or - to read it from stdin (required)")
	cmd.Flags().StringVar(&output, "output", "json", "json or credential-process")
	_ = cmd.MarkFlagRequired("jwt") // the flag exists
	return cmd
}

func readToken(flag string, stdin io.Reader) (string, error) {
	if flag != "-" {
		return flag, nil
	}
	b, err := io.ReadAll(io.LimitReader(stdin, server.MaxTokenBytes+2))
	if err != nil {
		return "", fmt.Errorf("read the JWT from stdin: %w", err)
	}
	token := strings.TrimSpace(string(b))
	if token == "" {
		return "", cmdbase.FlagErrorf("--jwt -: stdin is empty")
	}
	return token, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
