// Package execenv runs a command with AWS credentials in its environment,
// the way aws-vault exec does: ambient AWS credential settings removed,
// standard streams and signals passed through, the child's exit status
// returned.
package execenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"

	"github.com/tip-cli/tip-cli/internal/cred"
	"github.com/tip-cli/tip-cli/internal/credproc"
)

// removed lists variables that would make the child's SDK pick other
// credentials or a profile instead of the ones tip-cli provides.
func removed() []string {
	return []string{
		"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
		"AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
		// A relative URI wins over a full one in every SDK; a stale token
		// file would override the token we pass.
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
	}
}

// Environ returns base with ambient AWS credential settings removed and c
// (and region, when set) added.
func Environ(base []string, c *cred.Credentials, region string) []string {
	return with(base, credproc.EnvVars(c), region)
}

// ServerEnviron returns base with ambient AWS credential settings removed
// and the container credentials provider pointed at a credential server:
// no static key, so the child's SDK refreshes from url by itself.
func ServerEnviron(base []string, url, token, region string) []string {
	return with(base, [][2]string{
		{"AWS_CONTAINER_CREDENTIALS_FULL_URI", url},
		{"AWS_CONTAINER_AUTHORIZATION_TOKEN", token},
	}, region)
}

// with returns base without the removed variables, plus vars and region.
func with(base []string, vars [][2]string, region string) []string {
	out := make([]string, 0, len(base)+len(vars)+2)
	for _, kv := range base {
		name, _, _ := strings.Cut(kv, "=")
		if isRemoved(name) || (region != "" && (name == "AWS_REGION" || name == "AWS_DEFAULT_REGION")) {
			continue
		}
		out = append(out, kv)
	}
	for _, kv := range vars {
		out = append(out, kv[0]+"="+kv[1])
	}
	if region != "" {
		out = append(out, "AWS_REGION="+region, "AWS_DEFAULT_REGION="+region)
	}
	return out
}

// RemovedNames lists the variables exec removes.
func RemovedNames() []string { return removed() }

func isRemoved(name string) bool {
	for _, r := range removed() {
		if strings.EqualFold(name, r) {
			return true
		}
	}
	return false
}

// Stdio are the child's streams.
type Stdio struct {
	In       io.Reader
	Out, Err io.Writer
}

// Run starts name with args and env, forwards the signals tip-cli
// receives to it, and returns its exit code. A child killed by a signal
// reports 128+signal like a shell does.
func Run(ctx context.Context, name string, args, env []string, stdio Stdio) (int, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		return 0, fmt.Errorf("command %q not found: %w", name, err)
	}
	cmd := exec.Command(path, args...)
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdio.In, stdio.Out, stdio.Err
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, forwarded()...)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("start %s: %w", name, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case sig := <-sigs:
			_ = cmd.Process.Signal(sig)
		case err := <-done:
			return exitCode(err)
		}
	}
}

func exitCode(err error) (int, error) {
	if err == nil {
		return 0, nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if code := ee.ExitCode(); code >= 0 {
			return code, nil
		}
		return signalExitCode(ee), nil
	}
	return 0, err
}
