package exec_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/cmd/cmdtest"
	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/testkit"
)

// Credentials with less than a minute left (warm.Floor) never reach
// COMMAND, as static keys or through --server: a sandbox whose sessions
// last 30 s makes exec fail with the floor's error before COMMAND starts,
// and nothing is printed on stdout. The same exec against hour-long
// sessions runs COMMAND.
func TestExecFloor(t *testing.T) {
	t.Parallel()
	s3ag := []string{"--s3ag", "s3://tip-sandbox-data/analysts/", "--permission", "READ"}
	tests := []struct {
		name     string
		lifetime time.Duration
		flags    []string
		wantErr  string
	}{
		{"static keys, hour-long session", 0, nil, ""},
		{"static keys, 30 s session", 30 * time.Second, nil, "the identity-enhanced session expires"},
		{"static keys, 30 s grant", 30 * time.Second, s3ag, "the S3 Access Grants credentials expire"},
		{"server, 30 s session", 30 * time.Second, []string{"--server"}, "the identity-enhanced session expires"},
		{"server, 30 s grant", 30 * time.Second, append([]string{"--server"}, s3ag...), "the S3 Access Grants credentials expire"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k := testkit.New(t, sandbox.EnvOptions{SessionLifetime: tt.lifetime})
			k.Configure(t, "default")
			k.Vars["PATH"] = os.Getenv("PATH")
			ran := filepath.Join(t.TempDir(), "ran")
			err := runExec(t, k, append(tt.flags, "--", "touch", ran)...)
			_, statErr := os.Stat(ran)
			if tt.wantErr == "" {
				if err != nil || statErr != nil {
					t.Fatalf("exec: %v (COMMAND ran: %v)\n%s", err, statErr == nil, k.ErrOut)
				}
				return
			}
			cmdtest.CheckFloorErr(t, k, err, tt.wantErr)
			if statErr == nil {
				t.Error("COMMAND ran with credentials inside the floor")
			}
		})
	}
}
