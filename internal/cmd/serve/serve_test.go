package serve_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"

	"github.com/tip-cli/tip-cli/internal/cmd/serve"
	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/testkit"
	"github.com/tip-cli/tip-cli/internal/testport"
)

// serve prints the exports and closes stdout, serves the Go SDK's
// container credentials client, and on cancellation (SIGINT/SIGTERM in
// app.Main) returns nil with the listener closed and the token file gone.
func TestServe(t *testing.T) {
	k := testkit.New(t, sandbox.EnvOptions{})
	k.Configure(t, "default")
	pr, pw := io.Pipe()
	k.F.IOStreams.Out = pw
	tokenFile := filepath.Join(t.TempDir(), "token")
	cmd := serve.NewCmdServe(k.F, nil)
	// A reserved port: after the stop the test dials it and wants a refusal,
	// which a kernel-picked port handed to another listener would not give.
	listen := "127.0.0.1:" + strconv.Itoa(testport.Free(t))
	cmd.SetArgs([]string{"--token-file", tokenFile, "--listen", listen})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()

	exports := map[string]string{}
	sc := bufio.NewScanner(pr) // ends at EOF: serve closed stdout
	for sc.Scan() {
		if kv, ok := strings.CutPrefix(sc.Text(), "export "); ok {
			for _, a := range strings.Fields(kv) {
				name, v, _ := strings.Cut(a, "=")
				exports[name] = v
			}
		}
	}
	url, file := exports["AWS_CONTAINER_CREDENTIALS_FULL_URI"], exports["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"]
	if !strings.HasPrefix(url, "http://127.0.0.1:") || file != tokenFile || exports["AWS_REGION"] != sandbox.Region || exports["TIP_CLI_SERVE_PID"] == "" {
		t.Fatalf("exports: %v\nstderr: %s", exports, k.ErrOut)
	}
	fi, err := os.Stat(tokenFile)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v %v", fi, err)
	}
	p := endpointcreds.New(url, func(o *endpointcreds.Options) {
		o.AuthorizationTokenProvider = endpointcreds.TokenProviderFunc(func() (string, error) {
			b, err := os.ReadFile(tokenFile)
			return string(b), err
		})
	})
	c, err := p.Retrieve(ctx)
	if err != nil || !strings.HasPrefix(c.AccessKeyID, "ASIA") {
		t.Fatalf("Go SDK through serve: %v %v", c.AccessKeyID, err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
	host := strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/credentials")
	if conn, err := net.Dial("tcp", host); err == nil {
		conn.Close()
		t.Errorf("listener %s still open after serve stopped", host)
	}
	if _, err := os.Stat(tokenFile); !os.IsNotExist(err) {
		t.Errorf("token file left behind: %v", err)
	}
}

func TestServeRefusesNonLoopback(t *testing.T) {
	k := testkit.New(t, sandbox.EnvOptions{})
	k.Configure(t, "default")
	for _, addr := range []string{"0.0.0.0:0", "localhost:0", ":0"} {
		k.Reset()
		cmd := serve.NewCmdServe(k.F, nil)
		cmd.SetArgs([]string{"--listen", addr})
		cmd.SilenceUsage, cmd.SilenceErrors = true, true
		if err := cmd.ExecuteContext(context.Background()); err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("--listen %s: err = %v, want a loopback error", addr, err)
		}
		if k.Out.Len() != 0 {
			t.Errorf("--listen %s: stdout %q, want nothing", addr, k.Out)
		}
	}
}
