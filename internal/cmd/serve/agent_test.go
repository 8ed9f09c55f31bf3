package serve_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"

	"github.com/tip-cli/tip-cli/internal/cmd/auth"
	"github.com/tip-cli/tip-cli/internal/cmd/serve"
	"github.com/tip-cli/tip-cli/internal/credserver"
	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/testkit"
	"github.com/tip-cli/tip-cli/internal/testport"
)

// startServe runs serve with args until the returned stop is called and
// returns its exports.
func startServe(t *testing.T, k *testkit.Kit, args ...string) (map[string]string, func()) {
	t.Helper()
	pr, pw := io.Pipe()
	k.F.IOStreams.Out = pw
	cmd := serve.NewCmdServe(k.F, nil)
	cmd.SetArgs(args)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	exports := map[string]string{}
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if kv, ok := strings.CutPrefix(sc.Text(), "export "); ok {
			for _, a := range strings.Fields(kv) {
				name, v, _ := strings.Cut(a, "=")
				exports[name] = v
			}
		}
	}
	stop := func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop")
		}
	}
	if exports["AWS_CONTAINER_CREDENTIALS_FULL_URI"] == "" {
		stop()
		t.Fatalf("no exports; stderr: %s", k.ErrOut)
	}
	return exports, stop
}

func retrieve(url, token string) (string, error) {
	p := endpointcreds.New(url, func(o *endpointcreds.Options) {
		o.AuthorizationToken = token
		o.Retryer = aws.NopRetryer{}
	})
	c, err := p.Retrieve(context.Background())
	return c.AccessKeyID, err
}

// One agent serves several profiles at /credentials/NAME with one token;
// a profile not signed in answers NotSignedIn; address and token are
// recorded 0600 in the config directory and kept across a restart.
func TestServeAgent(t *testing.T) {
	k := testkit.New(t, sandbox.EnvOptions{})
	for _, name := range []string{"alpha", "beta", "gamma"} {
		k.Configure(t, name)
	}
	for _, name := range []string{"alpha", "beta"} {
		k.F.ProfileName = name
		cmd := auth.NewCmdGetIAMCredentials(k.F, nil)
		cmd.SetArgs(nil)
		if err := cmd.ExecuteContext(context.Background()); err != nil {
			t.Fatalf("sign in %s: %v\n%s", name, err, k.ErrOut)
		}
	}
	k.F.ProfileName = "beta"
	// A reserved port, not 127.0.0.1:0: the restart below binds the
	// recorded port again, and one the kernel picked could be handed to
	// another test's connection or listener in between.
	listen := "127.0.0.1:" + strconv.Itoa(testport.Free(t))
	exports, stop := startServe(t, k, "--profiles", "alpha,beta,gamma", "--listen", listen)
	url, token := exports["AWS_CONTAINER_CREDENTIALS_FULL_URI"], exports["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
	if !strings.HasSuffix(url, "/credentials/beta") {
		t.Errorf("exports name %s, want the selected profile's /credentials/beta", url)
	}
	var rec credserver.Agent
	data, err := os.ReadFile(filepath.Join(k.Dir, credserver.AgentFile))
	if err != nil || json.Unmarshal(data, &rec) != nil {
		t.Fatalf("agent record: %v %s", err, data)
	}
	for _, f := range []string{credserver.AgentFile, credserver.AgentTokenFile} {
		if fi, err := os.Stat(filepath.Join(k.Dir, f)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v, want 0600", f, fi, err)
		}
	}
	if tok, _ := os.ReadFile(rec.TokenFile); string(tok) != token || strings.Contains(string(data), token) {
		t.Errorf("token file %s holds %q; the record must not hold the token", rec.TokenFile, tok)
	}
	keys := map[string]string{}
	for _, name := range []string{"alpha", "beta"} {
		key, err := retrieve(rec.URLs[name], token)
		if err != nil || !strings.HasPrefix(key, "ASIA") {
			t.Errorf("%s at %s: %q %v", name, rec.URLs[name], key, err)
		}
		keys[name] = key
	}
	if keys["alpha"] == keys["beta"] {
		t.Errorf("alpha and beta served the same key %s", keys["alpha"])
	}
	if _, err := retrieve(rec.URLs["gamma"], token); err == nil || !strings.Contains(err.Error(), "NotSignedIn") {
		t.Errorf("gamma (not signed in): err = %v, want NotSignedIn", err)
	}
	if _, err := retrieve(strings.TrimSuffix(url, "/beta"), token); err == nil || !strings.Contains(err.Error(), "NotFound") {
		t.Errorf("/credentials on an agent: err = %v, want NotFound", err)
	}
	stop()

	// Restarted with every profile: same address, same token.
	exports, stop = startServe(t, k, "--all-profiles")
	defer stop()
	if got := exports["AWS_CONTAINER_AUTHORIZATION_TOKEN"]; got != token {
		t.Errorf("token changed across a restart")
	}
	if got := exports["AWS_CONTAINER_CREDENTIALS_FULL_URI"]; got != url {
		t.Errorf("restart exports %s, want %s", got, url)
	}
	if key, err := retrieve(rec.URLs["alpha"], token); err != nil || key != keys["alpha"] {
		t.Errorf("alpha after a restart: %q %v, want %s", key, err, keys["alpha"])
	}

	// A second agent while this one runs: a clear error, nothing on stdout,
	// the record untouched.
	var out strings.Builder
	k.F.IOStreams.Out = &out
	cmd := serve.NewCmdServe(k.F, nil)
	cmd.SetArgs([]string{"--all-profiles"})
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	if err := cmd.ExecuteContext(context.Background()); err == nil || !strings.Contains(err.Error(), "pass --listen") {
		t.Errorf("second agent: err = %v, want the address in use and --listen", err)
	}
	if out.Len() != 0 {
		t.Errorf("second agent printed %q", out.String())
	}
	if after, _ := os.ReadFile(filepath.Join(k.Dir, credserver.AgentFile)); string(after) != string(data) {
		t.Errorf("the second agent rewrote the record:\n%s", after)
	}
}

func TestServeAgentFlags(t *testing.T) {
	k := testkit.New(t, sandbox.EnvOptions{})
	k.Configure(t, "default")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--profiles", "default", "--all-profiles"}, "cannot be combined"},
		{[]string{"--profiles", "default,missing"}, "missing"},
		{[]string{"--profiles", "default", "--s3ag", "s3://bucket/p/"}, "--s3ag serves one profile"},
	} {
		k.Reset()
		cmd := serve.NewCmdServe(k.F, nil)
		cmd.SetArgs(tt.args)
		cmd.SilenceUsage, cmd.SilenceErrors = true, true
		if err := cmd.ExecuteContext(context.Background()); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err = %v, want %q", tt.args, err, tt.want)
		}
		if k.Out.Len() != 0 {
			t.Errorf("%v: stdout %q", tt.args, k.Out)
		}
	}
}
