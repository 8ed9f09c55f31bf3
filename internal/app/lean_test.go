package app

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/lean"
	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/store"
	"github.com/tip-cli/tip-cli/internal/testkit"
)

// handoffLogEnv names a file the test binary appends a line to each time it
// runs as tip-cli, so a test can tell whether the lean binary served a
// call itself or handed it to tip-cli.
const handoffLogEnv = "TIP_CLI_TEST_HANDOFF_LOG"

// testMain runs the test binary as the program its file name names:
// tip-credential-process (the lean binary) or tip-cli.
func testMain() int {
	if filepath.Base(os.Args[0]) == lean.Prog {
		return lean.Main(lean.System())
	}
	if log := os.Getenv(handoffLogEnv); log != "" {
		f, err := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err == nil {
			_, _ = f.WriteString(strings.Join(os.Args[1:], " ") + "\n")
			_ = f.Close()
		}
	}
	return Main(BuildInfo{Version: "test"})
}

// binaries installs the test binary as tip-cli and tip-credential-process
// side by side, the way a release installs them.
type binaries struct {
	full, lean, handoffLog string
}

func installBinaries(t *testing.T) binaries {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	b := binaries{full: filepath.Join(dir, "tip-cli"), lean: filepath.Join(dir, lean.Prog), handoffLog: filepath.Join(dir, "handoffs")}
	if err := os.Link(exe, b.full); err != nil {
		t.Fatal(err)
	}
	// A copy, not a link: the lean binary refuses to hand off to itself.
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b.lean, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return b
}

// handoffs returns how many times tip-cli ran since the last call.
func (b binaries) handoffs(t *testing.T) int {
	t.Helper()
	data, err := os.ReadFile(b.handoffLog)
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	_ = os.Remove(b.handoffLog)
	return strings.Count(string(data), "\n")
}

// parityKit is a signed-in sandbox with a second profile "work", a cached
// session scoped by policies, and a cached S3 Access Grant.
func parityKit(t *testing.T, bins binaries) (*testkit.Kit, []string) {
	t.Helper()
	k := testkit.New(t, sandbox.EnvOptions{})
	k.Configure(t, "default")
	k.Configure(t, "work")
	env := append(procEnv(t, k), handoffLogEnv+"="+bins.handoffLog)
	for _, args := range [][]string{
		{"auth", "--timeout", "30s"},
		{"--profile", "work", "auth", "--timeout", "30s"},
		append([]string{"auth", "get-iam-credentials"}, parityPolicy...),
		{"s3ag", "get-data-access", "s3://tip-sandbox-data/analysts/q1/", "--permission", "READWRITE"},
	} {
		if r := runExe(bins.full, env, 1, args...)[0]; r.code != 0 {
			t.Fatalf("%q: exit %d: %s", args, r.code, r.stderr)
		}
	}
	bins.handoffs(t)
	return k, env
}

var parityPolicy = []string{"--policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`,
	"--policy-arn", "arn:aws:iam::aws:policy/ReadOnlyAccess"}

// TestLeanBinaryAnswersAsTipCLI runs each command line through tip-cli and
// through the lean binary and requires the same exit status, stdout and
// stderr byte for byte; served says whether the lean binary must answer it
// itself (true) or hand it to tip-cli (false).
func TestLeanBinaryAnswersAsTipCLI(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts real processes")
	}
	bins := installBinaries(t)
	k, env := parityKit(t, bins)
	policyFile := filepath.Join(k.Dir, "policy.json")
	writeFile(t, policyFile, parityPolicy[1])
	iam := []string{"auth", "get-iam-credentials"}
	s3 := []string{"s3ag", "get-data-access"}
	tests := []struct {
		name   string
		args   []string
		env    []string
		setup  func(t *testing.T)
		served bool
	}{
		{name: "process", args: iam, served: true},
		{name: "env", args: append(iam, "--format", "env"), served: true},
		{name: "json", args: append(iam, "--format=json"), served: true},
		{name: "profile flag", args: append([]string{"--profile", "work"}, iam...), served: true},
		{name: "profile flag after command", args: append(iam, "--profile=work"), served: true},
		{name: "profile env", args: iam, env: []string{"TIP_CLI_PROFILE=work"}, served: true},
		{name: "sign-in flags ignored when warm", args: append(iam, "--non-interactive", "--no-browser", "--timeout", "1m", "--device=false"), served: true},
		{name: "session policies", args: append(iam, parityPolicy...), served: true},
		{name: "session policy from file", args: append(iam, "--policy", "file://"+policyFile, "--policy-arn", parityPolicy[3]), served: true},
		{name: "grant exact", args: append(s3, "s3://tip-sandbox-data/analysts/q1/", "--permission", "READWRITE"), served: true},
		{name: "grant covers narrower READ", args: append(s3, "s3://tip-sandbox-data/analysts/q1/x.csv", "--permission", "read", "--format", "json"), served: true},
		{name: "grant env", args: append(s3, "s3://tip-sandbox-data/analysts/q1/y", "--format", "env", "--non-interactive"), served: true},
		{name: "unknown flag", args: append(iam, "--nope")},
		{name: "bad format", args: append(iam, "--format", "yaml")},
		{name: "extra argument", args: append(iam, "x")},
		{name: "missing profile", args: append([]string{"--profile", "nope"}, iam...)},
		{name: "help", args: append(iam, "--help")},
		{name: "bad policy JSON", args: append(iam, "--policy", "{not json")},
		{name: "too many policy ARNs", args: append(iam, repeat("--policy-arn", "arn:aws:iam::aws:policy/ReadOnlyAccess", 11)...)},
		{name: "forced refresh flag malformed", args: append(iam, "--force-refresh=maybe")},
		{name: "grant bad permission", args: append(s3, "s3://tip-sandbox-data/x", "--permission", "ADMIN")},
		{name: "grant no URI", args: s3},
		{name: "other command", args: []string{"auth", "status"}},
		{name: "scoped session not cached", args: append(iam, "--policy-arn", "arn:aws:iam::aws:policy/PowerUserAccess", "--non-interactive"), setup: dropIdP(k)},
		{name: "grant not cached", args: append(s3, "s3://other-bucket/x", "--non-interactive"), setup: dropIdP(k)},
		{name: "expired session", args: append(iam, "--non-interactive"), setup: ageSessions(k, -time.Minute, true)},
		{name: "inside the skew", args: append(iam, "--non-interactive"), setup: ageSessions(k, 50*time.Second, true)},
		{name: "under the 15 minute margin", args: append(iam, "--non-interactive"), setup: ageSessions(k, 14*time.Minute, true)},
		{name: "short margin serves 14 minutes", args: append(iam, "--refresh-margin", "5m"), setup: ageSessions(k, 14*time.Minute, false), served: true},
		{name: "corrupt store", args: append(iam, "--non-interactive"), setup: corruptStore(k)},
		{name: "corrupt config", args: iam, setup: func(t *testing.T) { writeFile(t, filepath.Join(k.Dir, "config.json"), "{") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup(t)
			}
			e := append(append([]string{}, env...), tt.env...)
			full := runExe(bins.full, e, 1, tt.args...)[0]
			bins.handoffs(t)
			got := runExe(bins.lean, e, 1, tt.args...)[0]
			if full != got {
				t.Errorf("lean binary answered differently:\ntip-cli: exit %d stdout %q stderr %q\nlean:    exit %d stdout %q stderr %q",
					full.code, full.stdout, full.stderr, got.code, got.stdout, got.stderr)
			}
			want := 1
			if tt.served {
				want = 0
				if full.code != 0 || full.stdout == "" {
					t.Errorf("warm case failed: exit %d: %s", full.code, full.stderr)
				}
			}
			if n := bins.handoffs(t); n != want {
				t.Errorf("lean binary handed off %d times, want %d", n, want)
			}
		})
	}
}

// dropIdP removes the default profile's IdP tokens, so a miss fails the
// same way (not signed in) in both binaries instead of minting new keys.
func dropIdP(k *testkit.Kit) func(*testing.T) {
	return func(t *testing.T) {
		editBundle(t, k, func(b *store.Bundle) { b.IdP = nil })
	}
}

// ageSessions makes every cached session of the default profile expire
// left from now, minted an hour ago; noIdP also drops the IdP tokens.
func ageSessions(k *testkit.Kit, left time.Duration, noIdP bool) func(*testing.T) {
	return func(t *testing.T) {
		editBundle(t, k, func(b *store.Bundle) {
			for _, c := range b.Sessions {
				c.Expiration = time.Now().Add(left).Truncate(time.Second)
				c.MintedAt = time.Now().Add(-time.Hour)
			}
			if noIdP {
				b.IdP = nil
			}
		})
	}
}

func corruptStore(k *testkit.Kit) func(*testing.T) {
	return func(t *testing.T) {
		matches, err := filepath.Glob(filepath.Join(k.Dir, store.SecretsDirName, "*.json"))
		if err != nil || len(matches) == 0 {
			t.Fatalf("no store files: %v", err)
		}
		for _, m := range matches {
			writeFile(t, m, `{"idp":`)
		}
	}
}

func editBundle(t *testing.T, k *testkit.Kit, fn func(*store.Bundle)) {
	t.Helper()
	ctx := context.Background()
	b, err := k.Store.Get(ctx, config.DefaultProfile)
	if err != nil || b == nil {
		t.Fatalf("no cached bundle: %v", err)
	}
	fn(b)
	if err := k.Store.Put(ctx, config.DefaultProfile, b); err != nil {
		t.Fatal(err)
	}
}

// TestLeanBinaryMissRefreshesOnce: 16 lean callers with an expired session
// reach tip-cli's chain, which refreshes once for all of them.
func TestLeanBinaryMissRefreshesOnce(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts real processes")
	}
	bins := installBinaries(t)
	k := expiredSession(t)
	idpBefore, awsBefore := k.Env.IdP.Counts(), k.Env.AWS.Counts()
	const n = 16
	// A slow last step keeps the refresh running while all callers start.
	k.Env.AWS.SetDelay("AssumeRole", time.Second)
	env := append(procEnv(t, k), handoffLogEnv+"="+bins.handoffLog)
	keys := accessKeys(t, runExe(bins.lean, env, n, "auth", "get-iam-credentials", "--non-interactive"))
	if len(keys) != 1 {
		t.Errorf("%d distinct credential sets among %d lean callers, want 1: %v", len(keys), n, keys)
	}
	// Callers that start after the refresh is saved are served warm.
	if got := bins.handoffs(t); got < 1 || got > n {
		t.Errorf("handoffs = %d, want 1-%d", got, n)
	} else {
		t.Logf("%d of %d lean callers handed off to tip-cli", got, n)
	}
	assertOneChain(t, k, idpBefore, awsBefore)
	// Warm now: the next lean call serves the refreshed session itself.
	r := runExe(bins.lean, env, 1, "auth", "get-iam-credentials")[0]
	if r.code != 0 || bins.handoffs(t) != 0 {
		t.Errorf("warm call after the refresh: exit %d, handed off: %s", r.code, r.stderr)
	}
	var doc struct{ AccessKeyId string }
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || keys[doc.AccessKeyId] != n {
		t.Errorf("warm call served %q, want the refreshed key", r.stdout)
	}
}

// TestConfigureAWSProfileWritesLeanBinary: with tip-credential-process
// installed next to tip-cli, credential_process names it (same arguments);
// without it, tip-cli itself. Both lines work from the AWS CLI's view: the
// written line runs and prints credentials.
func TestConfigureAWSProfileWritesLeanBinary(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts real processes")
	}
	bins := installBinaries(t)
	_, env := parityKit(t, bins)
	awsCfg := filepath.Join(t.TempDir(), "config")
	env = append(env, "AWS_CONFIG_FILE="+awsCfg)
	for _, args := range [][]string{{"configure", "aws-profile", "tip"}, {"--profile", "work", "configure", "aws-profile", "tip-data", "--s3ag", "s3://tip-sandbox-data/analysts/q1/", "--permission", "readwrite"}} {
		if r := runExe(bins.full, env, 1, args...)[0]; r.code != 0 {
			t.Fatalf("%q: %d %s", args, r.code, r.stderr)
		}
	}
	data, err := os.ReadFile(awsCfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"[profile tip]\ncredential_process = " + bins.lean + " auth get-iam-credentials\n",
		"[profile tip-data]\ncredential_process = " + bins.lean + " --profile work s3ag get-data-access s3://tip-sandbox-data/analysts/q1/ --permission READWRITE\n",
	} {
		if !strings.Contains(string(data), want) {
			t.Errorf("AWS config lacks %q:\n%s", want, data)
		}
	}
	// The written line, run as the AWS CLI would, is served by the lean binary.
	line := strings.Fields(strings.SplitN(strings.SplitN(string(data), "credential_process = ", 2)[1], "\n", 2)[0])
	bins.handoffs(t)
	r := runExe(line[0], env, 1, line[1:]...)[0]
	if r.code != 0 || bins.handoffs(t) != 0 {
		t.Errorf("credential_process line: exit %d, stderr %s", r.code, r.stderr)
	}
	decodeProcess(t, r.stdout)

	if err := os.Remove(bins.lean); err != nil {
		t.Fatal(err)
	}
	if r := runExe(bins.full, env, 1, "configure", "aws-profile", "tip")[0]; r.code != 0 {
		t.Fatal(r.stderr)
	}
	data, _ = os.ReadFile(awsCfg)
	if want := "credential_process = " + bins.full + " auth get-iam-credentials\n"; !strings.Contains(string(data), want) {
		t.Errorf("without the lean binary, AWS config lacks %q:\n%s", want, data)
	}
}
