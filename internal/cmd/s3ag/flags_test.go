package s3ag_test

import (
	"reflect"
	"testing"

	"github.com/tip-cli/tip-cli/internal/cmd/cmdtest"
	"github.com/tip-cli/tip-cli/internal/cmd/s3ag"
)

func TestGetDataAccessFlags(t *testing.T) {
	t.Parallel()
	base := s3ag.GetDataAccessOptions{Target: "s3://bucket/team/", Permission: "READ", Privilege: "Default", Format: "process"}
	tests := []struct {
		name    string
		args    []string
		want    func(o *s3ag.GetDataAccessOptions)
		wantErr string
	}{
		{"defaults", []string{"s3://bucket/team/"}, func(*s3ag.GetDataAccessOptions) {}, ""},
		{"every flag", []string{"s3://bucket/team/", "--permission", "READWRITE", "--account-id", "123456789012", "--duration-seconds", "900",
			"--privilege", "Minimal", "--force-new-creds", "--format", "json", "--non-interactive"},
			func(o *s3ag.GetDataAccessOptions) {
				o.Permission, o.AccountID, o.DurationSeconds, o.Privilege, o.Force, o.Format = "READWRITE", "123456789012", 900, "Minimal", true, "json"
				o.SignIn.NonInteractive = true
			}, ""},
		{"one object", []string{"s3://bucket/team/a.csv", "--target-type", "Object"},
			func(o *s3ag.GetDataAccessOptions) { o.Target, o.TargetType = "s3://bucket/team/a.csv", "Object" }, ""},
		{"not an S3 URI", []string{"bucket/team"}, nil, "s3://"},
		{"bad permission", []string{"s3://bucket/", "--permission", "ALL"}, nil, "permission"},
		{"bad format", []string{"s3://bucket/", "--format", "yaml"}, nil, `invalid format "yaml"`},
		{"bad duration", []string{"s3://bucket/", "--duration-seconds", "60"}, nil, "duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := cmdtest.Factory(nil)
			var got *s3ag.GetDataAccessOptions
			err := cmdtest.Run(s3ag.NewCmdGetDataAccess(f, cmdtest.Capture(&got)), tt.args...)
			if !cmdtest.CheckErr(t, err, tt.wantErr, true) {
				return
			}
			want := base
			want.F = f
			tt.want(&want)
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("options\n got %+v\nwant %+v", *got, want)
			}
		})
	}
}

func TestListAndClearFlags(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args       []string
		wantOutput string
		wantErr    string
	}{
		{nil, "text", ""},
		{[]string{"-o", "json"}, "json", ""},
		{[]string{"--output", "csv"}, "", `invalid --output "csv"`},
	} {
		var got *s3ag.ListOptions
		err := cmdtest.Run(s3ag.NewCmdListCredentials(cmdtest.Factory(nil), cmdtest.Capture(&got)), tt.args...)
		if cmdtest.CheckErr(t, err, tt.wantErr, true) && got.Output != tt.wantOutput {
			t.Errorf("%v: Output = %q, want %q", tt.args, got.Output, tt.wantOutput)
		}
	}
	f := cmdtest.Factory(nil)
	var cl *s3ag.ClearOptions
	if err := cmdtest.Run(s3ag.NewCmdClearCredentials(f, cmdtest.Capture(&cl))); err != nil || cl.F != f {
		t.Fatalf("clear-credentials: %v", err)
	}
}
