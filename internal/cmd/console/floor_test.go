package console_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/cmd/cmdtest"
	"github.com/tip-cli/tip-cli/internal/cmd/console"
	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/testkit"
)

// console never signs in to the console with credentials inside the
// one-minute floor (warm.Floor): against a sandbox whose identity-enhanced
// sessions last 30 s it fails with the floor's error, prints nothing on
// stdout and asks the federation endpoint for nothing. --role-arn's plain
// role session (30 min, unaffected by the sandbox's lifetime) still works,
// and so does the identity-enhanced session at its usual hour.
func TestConsoleFloor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		lifetime time.Duration
		args     []string
		wantErr  string
	}{
		{"hour-long session", 0, nil, ""},
		{"30 s session", 30 * time.Second, nil, "the identity-enhanced session expires"},
		{"30 s session, plain role", 30 * time.Second, []string{"--role-arn", "", "--duration", "30m"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k := testkit.New(t, sandbox.EnvOptions{SessionLifetime: tt.lifetime})
			k.Configure(t, "default")
			k.Vars["TIP_CLI_FEDERATION_ENDPOINT"] = k.Env.AWS.URL() + "/federation"
			args := append([]string{"--print"}, tt.args...)
			for i, a := range args {
				if a == "--role-arn" {
					args[i+1] = k.Env.AWS.PlainRoleARN()
				}
			}
			err := cmdtest.Run(console.NewCmdConsole(k.F, nil), args...)
			tokens := len(k.Env.AWS.Requests("getSigninToken"))
			if tt.wantErr == "" {
				if err != nil || !strings.Contains(k.Out.String(), "SigninToken=") || tokens != 1 {
					t.Fatalf("console %v: %v, %d getSigninToken\nstdout: %s\nstderr: %s", args, err, tokens, k.Out, k.ErrOut)
				}
				return
			}
			cmdtest.CheckFloorErr(t, k, err, tt.wantErr)
			if tokens != 0 {
				t.Errorf("%d getSigninToken requests", tokens)
			}
		})
	}
}
