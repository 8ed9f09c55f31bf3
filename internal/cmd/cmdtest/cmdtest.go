// Package cmdtest helps the per-package tests of flag parsing: each
// command's NewCmdX takes a runF, the test passes one that captures the
// options, runs the command with arguments and asserts what was parsed.
// Behaviour is tested by calling the command's run function beside it
// where its options are narrow (configure), else end to end in
// internal/app (docs/architecture.md, "Command seam and tests").
package cmdtest

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/iostreams/iostreamstest"
)

// Factory returns a Factory with test streams whose Getenv reads env. It
// has no store, config or network: a command under test must stop at runF.
func Factory(env map[string]string) *cmdutil.Factory {
	ios, _, _, _ := iostreamstest.New()
	return &cmdutil.Factory{
		IOStreams:   ios,
		Getenv:      func(k string) string { return env[k] },
		ProfileName: "default",
	}
}

// Capture returns a runF that stores the options it is called with in *got.
func Capture[O any](got **O) func(context.Context, *O) error {
	return func(_ context.Context, o *O) error {
		*got = o
		return nil
	}
}

// Run executes cmd with args, its usage and errors going to a buffer.
func Run(cmd *cobra.Command, args ...string) error {
	var sink bytes.Buffer
	cmd.SetArgs(args)
	cmd.SetOut(&sink)
	cmd.SetErr(&sink)
	cmd.SilenceUsage = true
	cmd.SilenceErrors = true
	return cmd.ExecuteContext(context.Background())
}

// CheckErr fails t unless err matches wantErr: nil for "", else an error
// containing it; usage reports whether it must also be a *cmdutil.FlagError
// (exit code 2). It reports whether the command was expected to succeed.
func CheckErr(t *testing.T, err error, wantErr string, usage bool) bool {
	t.Helper()
	if wantErr == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return true
	}
	if err == nil || !strings.Contains(err.Error(), wantErr) {
		t.Fatalf("err = %v, want it to contain %q", err, wantErr)
	}
	var fe *cmdutil.FlagError
	if usage && !errors.As(err, &fe) {
		t.Fatalf("err = %v (%T), want a *cmdutil.FlagError", err, err)
	}
	return false
}
