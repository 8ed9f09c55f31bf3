package cmd

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tip-cli/tip-cli/internal/broker/server"
	"github.com/tip-cli/tip-cli/internal/cmdbase"
	"github.com/tip-cli/tip-cli/internal/iostreams"
	"github.com/tip-cli/tip-cli/internal/sandbox/brokeremu"
	"github.com/tip-cli/tip-cli/internal/testbuf"
	"github.com/tip-cli/tip-cli/internal/testkey"
)

// deps are Deps acting as the role whose credentials are creds, against
// the scenario's AWS emulation, with env as the environment.
func deps(sc *brokeremu.BrokerScenario, creds aws.Credentials, env map[string]string, stdin string) (*Deps, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	d := &Deps{
		IOStreams: iostreams.New(strings.NewReader(stdin), &out, &errOut, iostreams.TTY{}),
		Getenv:    func(k string) string { return env[k] },
		Now:       time.Now,
		AWSConfig: func(_ context.Context, region string) (aws.Config, error) {
			if region == "" {
				region = sc.AWS.Region()
			}
			return aws.Config{Region: region, Credentials: aws.NewCredentialsCache(staticCreds(creds)),
				BaseEndpoint: aws.String(sc.AWS.URL()), RetryMaxAttempts: 1}, nil
		},
	}
	return d, &out, &errOut
}

type staticCreds aws.Credentials

func (c staticCreds) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials(c), nil
}

// execute runs one tip-broker command line with d.
func execute(ctx context.Context, d *Deps, args ...string) error {
	cmd := NewCmdRoot(d, cmdbase.BuildInfo{Version: "test"})
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	return cmd.ExecuteContext(ctx)
}

// serve starts `tip-broker serve` on a loopback port in this process and
// returns its URL, its log, and a stop that waits for it to return.
func serve(t *testing.T, sc *brokeremu.BrokerScenario, args ...string) (string, *testbuf.Buffer, func() error) {
	t.Helper()
	d, _, _ := deps(sc, sc.BrokerCredentials(time.Hour), nil, "")
	pr, pw := io.Pipe()
	d.IOStreams.ErrOut = pw
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		err := execute(ctx, d, append([]string{"serve", "--listen", "127.0.0.1:0", "--broker-id", "broker.test",
			"--sts-endpoint", sc.AWS.URL(), "--log-format", "text", "--insecure-allow-private-jwks"}, args...)...)
		pw.CloseWithError(io.EOF)
		done <- err
	}()
	copied := make(chan struct{})
	stopped := false
	// stop ends serve and returns its error once the log has all it wrote.
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		err := <-done
		<-copied
		return err
	}
	t.Cleanup(func() { _ = stop() })
	lines := bufio.NewReader(pr)
	log := &testbuf.Buffer{}
	first, err := lines.ReadString('\n')
	go func() {
		_, _ = io.Copy(log, lines) // until serve returns and closes the pipe
		close(copied)
	}()
	rest, ok := strings.CutPrefix(first, "tip-broker: serving ")
	if err != nil || !ok {
		t.Fatalf("serve did not start: %q %v (%v)", first, err, stop())
	}
	url, _, _ := strings.Cut(rest, " ")
	return url, log, stop
}

// TestServeAndClientCommands: the standalone broker and the client
// commands in one process over real HTTP, callers proving their role with
// presigned GetCallerIdentity against the sandbox's STS.
func TestServeAndClientCommands(t *testing.T) {
	t.Parallel()
	sc, err := brokeremu.StartBrokerScenario(brokeremu.BrokerScenarioOptions{Key: testkey.RSA(t), OtherKey: testkey.Other(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	db := filepath.Join(t.TempDir(), "reg.db")
	url, log, stop := serve(t, sc, "--db", db)
	env := map[string]string{"TIP_BROKER_ENDPOINT": url, "TIP_BROKER_ID": "broker.test", "AWS_ENDPOINT_URL_STS": sc.AWS.URL()}
	app := func(stdin string) (*Deps, *bytes.Buffer, *bytes.Buffer) {
		return deps(sc, sc.AppCredentials(time.Hour), env, stdin)
	}
	ctx := context.Background()

	d, out, errOut := app("")
	if err := execute(ctx, d, "register", "--access-role-name", brokeremu.BrokerAccessRole, "--session-tag-key", brokeremu.BrokerTagKey,
		"--jwt-claim-name", brokeremu.BrokerTagKey, "--jwks-url", sc.App.JWKSURL()); err != nil {
		t.Fatalf("register: %v %s", err, errOut)
	}
	var reg map[string]any
	if err := json.Unmarshal(out.Bytes(), &reg); err != nil || reg["RoleArn"] != "arn:aws:iam::123456789012:role/tenant-app" {
		t.Fatalf("register printed %s (%v)", out, err)
	}

	yellow, err := sc.TenantToken("alice", "Yellow")
	if err != nil {
		t.Fatal(err)
	}
	d, out, _ = app(yellow + "\n")
	if err := execute(ctx, d, "credentials", "--jwt", "-", "--output", "credential-process"); err != nil {
		t.Fatalf("credentials: %v", err)
	}
	var creds struct {
		Version int
		server.Credentials
	}
	if err := json.Unmarshal(out.Bytes(), &creds); err != nil || creds.Version != 1 || creds.AccessKeyID == "" {
		t.Fatalf("credentials printed %s (%v)", out, err)
	}
	ak := aws.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, SessionToken: creds.SessionToken}
	if status, _, err := sc.ReadObject(ctx, ak, "Yellow/report.csv"); err != nil || status != 200 {
		t.Errorf("Yellow reads its prefix: %d %v", status, err)
	}
	if status, _, _ := sc.ReadObject(ctx, ak, "Blue/report.csv"); status != 403 {
		t.Errorf("Yellow reads Blue's prefix: %d", status)
	}

	// Another application's role is not registered; its describe fails
	// with the broker's answer and prints nothing.
	d, out, _ = deps(sc, sc.OtherAppCredentials(time.Hour), env, "")
	if err := execute(ctx, d, "describe"); err == nil || !strings.Contains(err.Error(), "404 NotRegistered") || out.Len() != 0 {
		t.Errorf("describe by an unregistered role: %v, stdout %q", err, out)
	}

	d, _, errOut = app("")
	if err := execute(ctx, d, "deregister"); err != nil || errOut.String() != "tip-broker: registration removed\n" {
		t.Fatalf("deregister: %v %q", err, errOut)
	}
	d, out, _ = app(yellow)
	if err := execute(ctx, d, "credentials", "--jwt", yellow); err == nil || out.Len() != 0 {
		t.Errorf("credentials after deregister: %v, stdout %q", err, out)
	}

	if err := stop(); err != nil {
		t.Fatalf("serve after cancel: %v", err)
	}
	if !strings.Contains(log.String(), "status=200") || !strings.HasSuffix(log.String(), "tip-broker: stopped\n") {
		t.Errorf("serve log:\n%s", log)
	}
}

// TestClientEndpointRefused: the client commands check where they would
// send the caller's signed identity before building any request.
func TestClientEndpointRefused(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args    []string
		wantErr string
	}{
		{[]string{"describe"}, "--endpoint is required (or set TIP_BROKER_ENDPOINT)"},
		{[]string{"describe", "--endpoint", "ftp://b.example.com"}, `--endpoint must be an http(s) URL, got "ftp://b.example.com"`},
		{[]string{"describe", "--endpoint", "http://b.example.com"}, "--endpoint must use https unless it is a loopback address"},
		{[]string{"describe", "--endpoint", "https://b.example.com", "--auth", "basic"}, `--auth must be auto, sigv4 or sts, got "basic"`},
		{[]string{"describe", "--endpoint", "https://b.example.com"}, "--broker-id is required with sts authentication (or set TIP_BROKER_ID)"},
		{[]string{"credentials", "--endpoint", "https://b.example.com", "--jwt", "-"}, "--jwt -: stdin is empty"},
		{[]string{"credentials", "--endpoint", "https://b.example.com", "--jwt", "x", "--output", "env"}, `--output must be json or credential-process, got "env"`},
	} {
		d := &Deps{IOStreams: iostreams.New(strings.NewReader(" \n"), io.Discard, io.Discard, iostreams.TTY{}),
			Getenv: func(string) string { return "" },
			AWSConfig: func(context.Context, string) (aws.Config, error) {
				return aws.Config{}, errors.New("no AWS configuration may be loaded before the flags are checked")
			}}
		err := execute(context.Background(), d, tt.args...)
		var fe *cmdbase.FlagError
		if err == nil || err.Error() != tt.wantErr || !errors.As(err, &fe) {
			t.Errorf("%v: err = %v, want usage error %q", tt.args, err, tt.wantErr)
		}
	}
}
