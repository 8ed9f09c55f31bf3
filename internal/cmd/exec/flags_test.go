package exec_test

import (
	"reflect"
	"testing"

	"github.com/tip-cli/tip-cli/internal/cmd/cmdtest"
	"github.com/tip-cli/tip-cli/internal/cmd/exec"
	"github.com/tip-cli/tip-cli/internal/cmdutil"
)

func TestExecFlags(t *testing.T) {
	t.Parallel()
	const policyARN = "arn:aws:iam::aws:policy/ReadOnlyAccess"
	read := cmdutil.SourceFlags{Permission: "READ"}
	tests := []struct {
		name    string
		args    []string
		want    exec.Options
		wantErr string
	}{
		{"command after --", []string{"--", "aws", "s3", "ls"}, exec.Options{Source: read, Command: []string{"aws", "s3", "ls"}}, ""},
		{"flags of the command stay its own", []string{"--non-interactive", "--", "env", "--s3ag", "-x"},
			exec.Options{Source: read, SignIn: cmdutil.SignInOptions{NonInteractive: true}, Command: []string{"env", "--s3ag", "-x"}}, ""},
		{"s3ag", []string{"--s3ag", "s3://bucket/team/", "--permission", "READWRITE", "--", "aws", "s3", "ls"},
			exec.Options{Source: cmdutil.SourceFlags{S3AG: "s3://bucket/team/", Permission: "READWRITE"}, Command: []string{"aws", "s3", "ls"}}, ""},
		{"session policies", []string{"--policy-arn", policyARN, "--", "true"},
			exec.Options{Source: cmdutil.SourceFlags{Permission: "READ", Policies: cmdutil.PolicyFlags{PolicyARNs: []string{policyARN}}}, Command: []string{"true"}}, ""},
		{"server", []string{"--server", "--", "jupyter", "lab"}, exec.Options{Source: read, Server: true, Command: []string{"jupyter", "lab"}}, ""},
		{"bad s3ag permission", []string{"--s3ag", "s3://bucket/", "--permission", "ALL", "--", "true"}, exec.Options{}, "permission"},
		{"no --", []string{"aws", "s3", "ls"}, exec.Options{}, "put the command after --"},
		{"s3ag with policies", []string{"--s3ag", "s3://bucket/", "--policy-arn", policyARN, "--", "true"}, exec.Options{}, "cannot be combined"},
		{"bad policy ARN", []string{"--policy-arn", "nope", "--", "true"}, exec.Options{}, "policy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := cmdtest.Factory(nil)
			var got *exec.Options
			err := cmdtest.Run(exec.NewCmdExec(f, cmdtest.Capture(&got)), tt.args...)
			if !cmdtest.CheckErr(t, err, tt.wantErr, true) {
				return
			}
			tt.want.F = f
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("options\n got %+v\nwant %+v", *got, tt.want)
			}
		})
	}
	var got *exec.Options
	if err := cmdtest.Run(exec.NewCmdExec(cmdtest.Factory(nil), cmdtest.Capture(&got))); err == nil || got != nil {
		t.Errorf("exec without a command: err %v, ran %t", err, got != nil)
	}
}
