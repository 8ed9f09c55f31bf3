package console_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/cmd/cmdtest"
	"github.com/tip-cli/tip-cli/internal/cmd/console"
	"github.com/tip-cli/tip-cli/internal/cmdutil"
)

func TestConsoleFlags(t *testing.T) {
	t.Parallel()
	const role = "arn:aws:iam::123456789012:role/console"
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		want    console.Options
		wantErr string
	}{
		{"defaults", nil, nil, console.Options{}, ""},
		{"every flag", nil, []string{"--destination", "https://console.aws.amazon.com/athena/", "--print", "--role-arn", role,
			"--duration", "30m", "--federation-endpoint", "http://127.0.0.1:9/federation", "--non-interactive", "--policy-arn", "arn:aws:iam::aws:policy/ReadOnlyAccess"},
			console.Options{Destination: "https://console.aws.amazon.com/athena/", Print: true, RoleARN: role, Duration: 30 * time.Minute,
				Endpoint: "http://127.0.0.1:9/federation", SignIn: cmdutil.SignInOptions{NonInteractive: true},
				Policies: cmdutil.PolicyFlags{PolicyARNs: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}}}, ""},
		{"endpoint from the environment", map[string]string{"TIP_CLI_FEDERATION_ENDPOINT": "http://127.0.0.1:9/f"}, nil,
			console.Options{Endpoint: "http://127.0.0.1:9/f"}, ""},
		{"flag beats the environment", map[string]string{"TIP_CLI_FEDERATION_ENDPOINT": "http://127.0.0.1:9/f"},
			[]string{"--federation-endpoint", "http://127.0.0.1:8/g"}, console.Options{Endpoint: "http://127.0.0.1:8/g"}, ""},
		{"duration too long", nil, []string{"--role-arn", role, "--duration", "13h"}, console.Options{}, "15m-12h"},
		{"duration too short", nil, []string{"--duration", "10m"}, console.Options{}, "15m-1h"},
		{"bad role ARN", nil, []string{"--role-arn", "console"}, console.Options{}, "--role-arn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := cmdtest.Factory(tt.env)
			var got *console.Options
			err := cmdtest.Run(console.NewCmdConsole(f, cmdtest.Capture(&got)), tt.args...)
			if !cmdtest.CheckErr(t, err, tt.wantErr, true) {
				return
			}
			tt.want.F = f
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("options\n got %+v\nwant %+v", *got, tt.want)
			}
		})
	}
}
