// Command broker-sandbox is a development tool for scripts/broker-e2e.sh: it
// starts the tip-broker scenario of the sandbox (AWS emulation with the
// broker, application and access roles, the tenant-data bucket, two token
// issuers) and an API Gateway with the broker's four routes, writes the
// credentials, tokens and URLs a shell script needs into --out, prints
// "ready" and runs until SIGINT or SIGTERM.
//
// --payload-version 2.0 makes the gateway an HTTP API (payload format 2.0,
// $default stage) instead of a REST API (1.0, stage prod); either way GET
// /health is deployed without authorization, as the template deploys it.
//
// Usage: go run ./scripts/broker-sandbox --out DIR [--moto URL] [--payload-version 1.0|2.0]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tip-cli/tip-cli/internal/broker/api"
	"github.com/tip-cli/tip-cli/internal/sandbox/brokeremu"
)

// credsTTL is the lifetime of the role credentials written to the env files.
const credsTTL = 12 * time.Hour

func main() { os.Exit(realMain()) }

// realMain parses the flags and runs until a signal; it returns the exit code.
func realMain() int {
	out := flag.String("out", "", "directory to write the env files, tokens and info.json into (required)")
	moto := flag.String("moto", "", "moto_server URL to set as AWS_ENDPOINT_URL_DYNAMODB in broker.env")
	version := flag.String("payload-version", "1.0", "API Gateway's Lambda payload format: 1.0 (REST API) or 2.0 (HTTP API)")
	flag.Parse()
	if *out == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: broker-sandbox --out DIR [--moto URL] [--payload-version 1.0|2.0]")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *out, *moto, *version); err != nil {
		fmt.Fprintf(os.Stderr, "broker-sandbox: %v\n", err)
		return 1
	}
	return 0
}

// run starts the servers, writes the files and waits for ctx to end.
func run(ctx context.Context, dir, motoURL, payloadVersion string) error {
	sc, err := brokeremu.StartBrokerScenario(brokeremu.BrokerScenarioOptions{})
	if err != nil {
		return fmt.Errorf("start the broker scenario: %w", err)
	}
	defer sc.Close()
	gw, err := brokeremu.NewAPIGateway(brokeremu.APIGatewayOptions{AWS: sc.AWS, PayloadVersion: payloadVersion,
		Routes: api.Keys(false), PublicRoutes: api.Keys(true)})
	if err != nil {
		return fmt.Errorf("start the api gateway: %w", err)
	}
	defer gw.Close()
	files, err := outputs(sc, gw, motoURL)
	if err != nil {
		return err
	}
	if err := writeFiles(dir, files); err != nil {
		return err
	}
	fmt.Println("ready")
	<-ctx.Done()
	return nil
}

// outputs renders every file broker-sandbox writes, by name.
func outputs(sc *brokeremu.BrokerScenario, gw *brokeremu.APIGateway, motoURL string) (map[string]string, error) {
	region, stsURL := sc.AWS.Region(), sc.AWS.URL()
	broker := envFile(sc.BrokerCredentials(credsTTL), region, stsURL)
	if motoURL != "" {
		broker += exportLine("AWS_ENDPOINT_URL_DYNAMODB", motoURL)
	}
	files := map[string]string{
		"broker.env": broker,
		// The sandbox's issuers listen on loopback: the lab JWKS policy.
		"lambda.env": exportLine("AWS_LAMBDA_RUNTIME_API", gw.RuntimeAPI()) +
			exportLine("TIP_BROKER_INSECURE_ALLOW_PRIVATE_JWKS", "true"),
		"app.env":       envFile(sc.AppCredentials(credsTTL), region, stsURL),
		"other-app.env": envFile(sc.OtherAppCredentials(credsTTL), region, stsURL),
	}
	now := time.Now()
	tokens := []struct {
		name string
		mint func() (string, error)
	}{
		{"yellow.jwt", func() (string, error) { return sc.TenantToken("alice", "Yellow") }},
		{"blue.jwt", func() (string, error) { return sc.TenantToken("bob", "Blue") }},
		{"other-app.jwt", func() (string, error) {
			return sc.Other.Mint(map[string]any{"sub": "mallory", brokeremu.BrokerTagKey: "Yellow"})
		}},
		{"expired.jwt", func() (string, error) {
			return sc.App.Mint(map[string]any{"sub": "alice", brokeremu.BrokerTagKey: "Yellow",
				"iat": now.Add(-2 * time.Hour).Unix(), "exp": now.Add(-time.Hour).Unix()})
		}},
	}
	for _, t := range tokens {
		tok, err := t.mint()
		if err != nil {
			return nil, fmt.Errorf("mint %s: %w", t.name, err)
		}
		files[t.name] = tok + "\n"
	}
	info, err := json.MarshalIndent(map[string]string{
		"aws_url":     stsURL,
		"jwks_url":    sc.App.JWKSURL(),
		"apigw_url":   gw.URL(),
		"runtime_api": gw.RuntimeAPI(),
		"bucket":      brokeremu.BrokerBucket,
		"tag_key":     brokeremu.BrokerTagKey,
		"access_role": brokeremu.BrokerAccessRole,
	}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode info.json: %w", err)
	}
	files["info.json"] = string(info) + "\n"
	return files, nil
}

// envFile is the export lines of a role's credentials and the sandbox STS.
func envFile(c aws.Credentials, region, stsURL string) string {
	return exportLine("AWS_ACCESS_KEY_ID", c.AccessKeyID) +
		exportLine("AWS_SECRET_ACCESS_KEY", c.SecretAccessKey) +
		exportLine("AWS_SESSION_TOKEN", c.SessionToken) +
		exportLine("AWS_REGION", region) +
		exportLine("AWS_ENDPOINT_URL_STS", stsURL)
}

// exportLine is a shell "export NAME='value'" line.
func exportLine(name, value string) string {
	return "export " + name + "='" + strings.ReplaceAll(value, "'", `'\''`) + "'\n"
}

// writeFiles writes files into dir (created 0700) with mode 0600; info.json
// goes last so that its presence means every file is complete.
func writeFiles(dir string, files map[string]string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("chmod %s: %w", dir, err)
	}
	write := func(name, body string) error {
		path := filepath.Join(dir, name)
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, []byte(body), 0o600); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		return nil
	}
	for name, body := range files {
		if name == "info.json" {
			continue
		}
		if err := write(name, body); err != nil {
			return err
		}
	}
	return write("info.json", files["info.json"])
}
