package auth_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/cmd/auth"
	"github.com/tip-cli/tip-cli/internal/cmd/cmdtest"
	"github.com/tip-cli/tip-cli/internal/cmdutil"
)

const policyARN = "arn:aws:iam::aws:policy/ReadOnlyAccess"

func TestGetIAMCredentialsFlags(t *testing.T) {
	t.Parallel()
	defaults := auth.GetIAMCredentialsOptions{Format: "process", SignIn: cmdutil.SignInOptions{Timeout: cmdutil.DefaultLoginTimeout}}
	tests := []struct {
		name    string
		args    []string
		want    func(o *auth.GetIAMCredentialsOptions)
		wantErr string
	}{
		{"defaults", nil, func(*auth.GetIAMCredentialsOptions) {}, ""},
		{"every flag", []string{"--format", "env", "--force-refresh", "--refresh-margin", "20m", "--no-browser", "--device",
			"--timeout", "30s", "--non-interactive", "--policy", `{"Version":"2012-10-17"}`, "--policy-arn", policyARN, "--policy-arn", policyARN},
			func(o *auth.GetIAMCredentialsOptions) {
				o.Format, o.Force = "env", true
				o.SignIn = cmdutil.SignInOptions{Margin: 20 * time.Minute, NoBrowser: true, Device: true, Timeout: 30 * time.Second, NonInteractive: true}
				o.Policies = cmdutil.PolicyFlags{Policy: `{"Version":"2012-10-17"}`, PolicyARNs: []string{policyARN, policyARN}}
			}, ""},
		{"json", []string{"--format", "json"}, func(o *auth.GetIAMCredentialsOptions) { o.Format = "json" }, ""},
		{"unknown format", []string{"--format", "yaml"}, nil, `invalid format "yaml"`},
		{"bad policy ARN", []string{"--policy-arn", "arn:aws:iam::123:role/x"}, nil, "policy"},
		{"positional argument", []string{"extra"}, nil, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := cmdtest.Factory(nil)
			var got *auth.GetIAMCredentialsOptions
			err := cmdtest.Run(auth.NewCmdGetIAMCredentials(f, cmdtest.Capture(&got)), tt.args...)
			if !cmdtest.CheckErr(t, err, tt.wantErr, tt.name != "positional argument") {
				return
			}
			want := defaults
			want.F = f
			tt.want(&want)
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("options\n got %+v\nwant %+v", *got, want)
			}
		})
	}
}

func TestStatusFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		wantOutput string
		wantErr    string
	}{
		{"default text", nil, "text", ""},
		{"json", []string{"--output", "json"}, "json", ""},
		{"short flag", []string{"-o", "json"}, "json", ""},
		{"unknown output", []string{"-o", "yaml"}, "", `invalid --output "yaml": want text or json`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got *auth.StatusOptions
			err := cmdtest.Run(auth.NewCmdStatus(cmdtest.Factory(nil), cmdtest.Capture(&got)), tt.args...)
			if cmdtest.CheckErr(t, err, tt.wantErr, true) && got.Output != tt.wantOutput {
				t.Errorf("Output = %q, want %q", got.Output, tt.wantOutput)
			}
		})
	}
}

// TestNoFlagCommands: logout and refresh-token take no arguments and reach
// their run function with the Factory they were built with.
func TestNoFlagCommands(t *testing.T) {
	t.Parallel()
	f := cmdtest.Factory(nil)
	var lo *auth.LogoutOptions
	if err := cmdtest.Run(auth.NewCmdLogout(f, cmdtest.Capture(&lo))); err != nil || lo.F != f {
		t.Fatalf("logout: %v", err)
	}
	var rt *auth.RefreshTokenOptions
	if err := cmdtest.Run(auth.NewCmdRefreshToken(f, cmdtest.Capture(&rt))); err != nil || rt.F != f {
		t.Fatalf("refresh-token: %v", err)
	}
	lo = nil
	if err := cmdtest.Run(auth.NewCmdLogout(f, cmdtest.Capture(&lo)), "now"); err == nil || lo != nil {
		t.Fatalf("logout with an argument: err %v, ran %t", err, lo != nil)
	}
}

func TestFlowFlag(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args    []string
		want    string
		wantErr string
	}{
		{[]string{"--flow", "paste"}, "paste", ""},
		{[]string{"--flow=auto"}, "auto", ""},
		{[]string{"--flow", "magic"}, "", `flow "magic" must be one of auto, browser, device, paste`},
		{[]string{"--flow="}, "", "must be one of auto, browser, device, paste"},
	} {
		f := cmdtest.Factory(nil)
		var got *auth.GetIAMCredentialsOptions
		err := cmdtest.Run(auth.NewCmdGetIAMCredentials(f, cmdtest.Capture(&got)), tt.args...)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%v: err = %v, want %q", tt.args, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got.SignIn.Flow != tt.want {
			t.Errorf("%v: flow %q, %v", tt.args, got.SignIn.Flow, err)
		}
	}
}
