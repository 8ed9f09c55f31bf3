package cmd

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tip-cli/tip-cli/internal/cmdbase"
	"github.com/tip-cli/tip-cli/internal/iostreams"
)

// offline are Deps with the environment env whose AWS configuration must
// not be needed: what runs before it is loaded is under test.
func offline(env map[string]string) (*Deps, *strings.Builder, *strings.Builder) {
	var out, errOut strings.Builder
	return &Deps{
		IOStreams: iostreams.New(strings.NewReader(""), &out, &errOut, iostreams.TTY{}),
		Getenv:    func(k string) string { return env[k] },
		AWSConfig: func(context.Context, string) (aws.Config, error) {
			return aws.Config{}, errors.New("AWS configuration loaded")
		},
	}, &out, &errOut
}

func isUsage(err error) bool {
	var fe *cmdbase.FlagError
	return errors.As(err, &fe)
}

// TestTemplate: the Lambda deployment's template on stdout, YAML or JSON,
// with the flags' settings in it; bad settings are usage errors.
func TestTemplate(t *testing.T) {
	t.Parallel()
	d, out, _ := offline(nil)
	if err := execute(context.Background(), d, "template", "--format", "json", "--architecture", "x86_64", "--stage", "v1", "--table-name", "regs"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"AWS::Lambda::Function"`, `"x86_64"`, `"StageName": "v1"`, `"TableName": "regs"`} {
		if !strings.HasPrefix(out.String(), "{") || !strings.Contains(out.String(), want) {
			t.Errorf("JSON template lacks %s", want)
		}
	}
	d, out, _ = offline(nil)
	if err := execute(context.Background(), d, "template"); err != nil || !strings.HasPrefix(out.String(), "AWSTemplateFormatVersion:") {
		t.Errorf("YAML template: %v %.60q", err, out)
	}
	for _, args := range [][]string{{"--format", "xml"}, {"--architecture", "sparc"}, {"--allow-account", "12345"}} {
		d, out, _ = offline(nil)
		if err := execute(context.Background(), d, append([]string{"template"}, args...)...); !isUsage(err) || out.Len() != 0 {
			t.Errorf("%v: %v, stdout %.60q", args, err, out)
		}
	}
}

// TestLambdaRefuses: outside Lambda, or without a table, the Lambda mode
// says so before loading any AWS configuration.
func TestLambdaRefuses(t *testing.T) {
	t.Parallel()
	d, _, _ := offline(nil)
	if err := execute(context.Background(), d, "lambda"); !isUsage(err) || err.Error() != "no registrations table: set TIP_BROKER_TABLE or --table" {
		t.Errorf("no table: %v", err)
	}
	d, _, _ = offline(map[string]string{"TIP_BROKER_TABLE": "regs"})
	err := execute(context.Background(), d, "lambda")
	if err == nil || isUsage(err) || !strings.HasPrefix(err.Error(), "AWS_LAMBDA_RUNTIME_API is not set: ") {
		t.Errorf("outside Lambda: %v", err)
	}
	d, _, _ = offline(map[string]string{"TIP_BROKER_TABLE": "regs"})
	if err := execute(context.Background(), d, "lambda", "--duration", "5m"); !isUsage(err) || !strings.HasPrefix(err.Error(), "--duration must be between 15m and 1h") {
		t.Errorf("short duration: %v", err)
	}
}

// TestServeRefuses: every inconsistent serve setting is a usage error
// found before any AWS call, file or listener.
func TestServeRefuses(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args    []string
		wantErr string
	}{
		{nil, "--broker-id is required"},
		{[]string{"--tls-cert", "c.pem"}, "--tls-cert and --tls-key go together"},
		{[]string{"--listen", "0.0.0.0:8443"}, "--tls-cert and --tls-key are required unless --listen is a loopback address"},
		{[]string{"--listen", "localhost"}, "--listen: "},
		{[]string{"--store", "sqlite"}, `--store must be bolt or dynamodb, got "sqlite"`},
		{[]string{"--store", "dynamodb"}, "--store dynamodb needs --table"},
		{[]string{"--create-table"}, "--table and --create-table need --store dynamodb"},
		{[]string{"--source-rate", "5", "--source-burst", "0"}, "--source-rate must be ≥ 0 and --source-burst ≥ 1"},
		{[]string{"--allow-any-account", "--allow-account", "123456789012"}, "--allow-any-account and --allow-account exclude each other"},
		{[]string{"--allow-account", "1234"}, `--allow-account "1234" is not a 12-digit account id`},
		{[]string{"--rate", "-1"}, "--rate must be ≥ 0 and --burst ≥ 1"},
		{[]string{"--jwks-ttl", "30s"}, "--jwks-ttl must be at least 1m"},
		{[]string{"--log-format", "xml"}, `--log-format must be json or text, got "xml"`},
	} {
		args := append([]string{"serve"}, tt.args...)
		if tt.args != nil {
			args = append(args, "--broker-id", "b")
		}
		d, _, errOut := offline(nil)
		err := execute(context.Background(), d, args...)
		if !isUsage(err) || !strings.HasPrefix(err.Error(), tt.wantErr) || errOut.Len() != 0 {
			t.Errorf("%v: err = %v, want usage error %q; stderr %q", tt.args, err, tt.wantErr, errOut)
		}
	}
}

// TestStateDir: the default registration file lives under
// $XDG_STATE_HOME, else ~/.local/state; with neither, serve needs --db.
func TestStateDir(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"XDG_STATE_HOME": "/state", "HOME": "/home/u"}, filepath.Join("/state", "tip-broker")},
		{map[string]string{"HOME": "/home/u"}, filepath.Join("/home/u", ".local", "state", "tip-broker")},
	} {
		if got, err := stateDir(func(k string) string { return tt.env[k] }); err != nil || got != tt.want {
			t.Errorf("%v: %q %v, want %q", tt.env, got, err, tt.want)
		}
	}
	if _, err := stateDir(func(string) string { return "" }); err == nil || !strings.HasPrefix(err.Error(), "no --db given") {
		t.Errorf("no home: %v", err)
	}
}

// TestVersion: `tip-broker version` prints one line on stdout.
func TestVersion(t *testing.T) {
	t.Parallel()
	d, out, _ := offline(nil)
	cmd := NewCmdRoot(d, cmdbase.BuildInfo{Version: "1.2.3"})
	cmd.SetArgs([]string{"version"})
	cmd.SetErr(io.Discard)
	if err := cmd.Execute(); err != nil || !strings.HasPrefix(out.String(), "tip-broker 1.2.3") || strings.Count(out.String(), "\n") != 1 {
		t.Errorf("version: %v %q", err, out)
	}
}
