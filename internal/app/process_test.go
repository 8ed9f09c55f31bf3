package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/sandbox/idpemu"
	"github.com/tip-cli/tip-cli/internal/store"
	"github.com/tip-cli/tip-cli/internal/store/storetest"
	"github.com/tip-cli/tip-cli/internal/testbuf"
	"github.com/tip-cli/tip-cli/internal/testkit"
	"github.com/tip-cli/tip-cli/internal/testpar"
)

// The test binary doubles as tip-cli (TIP_CLI_TEST_MAIN=1) and as a fake
// browser (first argument --tip-fake-browser), so the process tests need
// no build step and no curl.
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == "--tip-fake-browser" {
		recordBrowserArgv()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// Cookies: a real IdP (oidc-provider) ties its interaction to them.
		jar, _ := cookiejar.New(nil)
		client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
		if err := idpemu.FakeBrowser(ctx, client, os.Args[len(os.Args)-1]); err != nil {
			fmt.Fprintln(os.Stderr, "fake browser:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if os.Getenv("TIP_CLI_TEST_MAIN") == "1" {
		os.Exit(testMain())
	}
	// Most tests here wait on tip-cli child processes and the sandbox.
	testpar.Default(8)
	os.Exit(m.Run())
}

// procEnv is the environment of a tip-cli child process: no ambient AWS
// settings, the sandbox's endpoint, a private config dir and the fake browser.
func procEnv(t *testing.T, k *testkit.Kit) []string {
	t.Helper()
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AWS_") || strings.HasPrefix(kv, "TIP_CLI_") || strings.HasPrefix(kv, "BROWSER=") {
			continue
		}
		env = append(env, kv)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	env = append(env, k.Env.Environ()...)
	return append(env,
		"TIP_CLI_TEST_MAIN=1",
		"AWS_TIP_CLI="+k.Dir,
		"TIP_CLI_STORE=file",
		"AWS_CONFIG_FILE="+os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE="+os.DevNull,
		"BROWSER="+exe+" --tip-fake-browser",
	)
}

type procResult struct {
	code           int
	stdout, stderr string
}

// runProcs starts n tip-cli processes at once and waits for all.
func runProcs(t *testing.T, k *testkit.Kit, n int, args ...string) []procResult {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return runExe(exe, procEnv(t, k), n, args...)
}

// runEach starts one tip-cli process per argument list at once and waits
// for all.
func runEach(t *testing.T, k *testkit.Kit, argv [][]string) []procResult {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return runArgv(exe, procEnv(t, k), argv)
}

// runExe starts n processes of exe with the same arguments at once and
// waits for all.
func runExe(exe string, env []string, n int, args ...string) []procResult {
	argv := make([][]string, n)
	for i := range argv {
		argv[i] = args
	}
	return runArgv(exe, env, argv)
}

// runArgv starts one process of exe per argument list at once and waits
// for all.
func runArgv(exe string, env []string, argv [][]string) []procResult {
	n := len(argv)
	results := make([]procResult, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, exe, argv[i]...)
			cmd.Env = env
			var out, errOut bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errOut
			<-start
			err := cmd.Run()
			code := 0
			if err != nil {
				code = -1
				if ee, ok := err.(*exec.ExitError); ok {
					code = ee.ExitCode()
				}
			}
			results[i] = procResult{code: code, stdout: out.String(), stderr: errOut.String()}
		}(i)
	}
	close(start)
	wg.Wait()
	return results
}

func accessKeys(t *testing.T, results []procResult) map[string]int {
	t.Helper()
	keys := map[string]int{}
	for i, r := range results {
		if r.code != 0 {
			t.Errorf("process %d: exit %d: %s", i, r.code, r.stderr)
			continue
		}
		var doc struct{ AccessKeyId string }
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || doc.AccessKeyId == "" {
			t.Errorf("process %d: stdout %q", i, r.stdout)
			continue
		}
		keys[doc.AccessKeyId]++
	}
	return keys
}

// expiredSession signs in with a real process, then makes every cached
// session of the profile look expired.
func expiredSession(t *testing.T) *testkit.Kit {
	t.Helper()
	return expiredSessionWith(t, sandbox.EnvOptions{})
}

func expiredSessionWith(t *testing.T, opts sandbox.EnvOptions) *testkit.Kit {
	t.Helper()
	k := testkit.New(t, opts)
	k.Configure(t, "default")
	if r := runProcs(t, k, 1, "auth", "--timeout", "30s"); r[0].code != 0 {
		t.Fatalf("sign-in: %s", r[0].stderr)
	}
	expireSessions(t, k)
	return k
}

func TestConcurrentProcessesRefreshOnce(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts real processes")
	}
	k := expiredSession(t)
	idpBefore, awsBefore := k.Env.IdP.Counts(), k.Env.AWS.Counts()

	const n = 12
	keys := accessKeys(t, runProcs(t, k, n, "auth", "get-iam-credentials", "--non-interactive"))
	if len(keys) != 1 {
		t.Errorf("%d distinct credential sets among %d processes, want 1: %v", len(keys), n, keys)
	}
	assertOneChain(t, k, idpBefore, awsBefore)
}

// assertOneChain checks that exactly one IdP refresh and one exchange
// chain ran since the counts before.
func assertOneChain(t *testing.T, k *testkit.Kit, idpBefore, awsBefore map[string]int) {
	t.Helper()
	assertOneRefresh(t, k, idpBefore, awsBefore, "AssumeRoleWithWebIdentity", "CreateTokenWithIAM", "AssumeRole")
}

// assertOneRefresh checks that one IdP refresh and one call of each of ops
// (the mode's chain) happened since the counts were taken.
func assertOneRefresh(t *testing.T, k *testkit.Kit, idpBefore, awsBefore map[string]int, ops ...string) {
	t.Helper()
	idpAfter, awsAfter := k.Env.IdP.Counts(), k.Env.AWS.Counts()
	if d := idpAfter["token:refresh_token"] - idpBefore["token:refresh_token"]; d != 1 {
		t.Errorf("IdP refreshes = %d, want 1", d)
	}
	for _, op := range ops {
		if d := awsAfter[op] - awsBefore[op]; d != 1 {
			t.Errorf("%s calls = %d, want 1", op, d)
		}
	}
}

func TestConcurrentSignInOpensOneBrowser(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts real processes")
	}
	k := testkit.New(t, sandbox.EnvOptions{})
	k.Configure(t, "default")
	const n = 6
	keys := accessKeys(t, runProcs(t, k, n, "auth", "get-iam-credentials", "--timeout", "30s"))
	if len(keys) != 1 {
		t.Errorf("%d distinct credential sets, want 1", len(keys))
	}
	if got := k.Env.IdP.Counts()["authorize"]; got != 1 {
		t.Errorf("browser sign-ins (authorize requests) = %d, want 1", got)
	}
}

func TestNoSecretsInFilesWithKeyring(t *testing.T) {
	t.Parallel()
	// With a keyring store, the config directory must hold no token or
	// secret: only config.json and the lock files.
	k := testkit.New(t, sandbox.EnvOptions{})
	k.Store = store.NewKeyringStore(k.Dir, storetest.NewKeyring(storetest.ItemLimit(runtime.GOOS)))
	k.Configure(t, "default")
	if r := run(t, k, "auth", "get-iam-credentials"); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	b, _ := k.Store.Get(context.Background(), "default")
	secrets := []string{b.IdP.IDToken, b.IdP.RefreshToken, b.IdP.AccessToken, b.Session("").SecretAccessKey, b.Session("").SessionToken}
	assertNoSecretsUnder(t, k.Dir, secrets)
}

func assertNoSecretsUnder(t *testing.T, dir string, secrets []string) {
	t.Helper()
	err := walkFiles(dir, func(path string, data []byte) {
		for _, s := range secrets {
			if s != "" && bytes.Contains(data, []byte(s)) {
				t.Errorf("%s contains a secret", path)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

func walkFiles(dir string, fn func(path string, data []byte)) error {
	return filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fn(path, data)
		return nil
	})
}

func TestKilledMidSignInLeavesUsableStore(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts real processes")
	}
	k := expiredSession(t)

	// A process stuck in a sign-in (its browser never comes back) holds the
	// profile lock; SIGKILL it there.
	exe, _ := os.Executable()
	env := append(procEnv(t, k), "BROWSER=sleep 30")
	cmd := exec.Command(exe, "auth", "--timeout", "30s")
	cmd.Env = env
	errOut := &testbuf.Buffer{}
	cmd.Stderr = errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(errOut.String(), "/authorize?") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	// The next call gets the lock at once and refreshes from the intact store.
	start := time.Now()
	r := runProcs(t, k, 1, "auth", "get-iam-credentials", "--non-interactive")
	if r[0].code != 0 {
		t.Fatalf("after SIGKILL: exit %d: %s", r[0].code, r[0].stderr)
	}
	if waited := time.Since(start); waited > 10*time.Second {
		t.Errorf("next call took %v: lock not released", waited)
	}
}

func TestKilledMidChainNextCallSucceeds(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts real processes")
	}
	k := expiredSession(t)
	refreshes := k.Env.IdP.Counts()["token:refresh_token"]
	assumes := k.Env.AWS.Counts()["AssumeRole"]

	// The IdP refresh has rotated the refresh token and the chain is in its
	// last step when the process dies.
	k.Env.AWS.SetDelay("AssumeRole", 20*time.Second)
	exe, _ := os.Executable()
	cmd := exec.Command(exe, "auth", "get-iam-credentials", "--non-interactive")
	cmd.Env = procEnv(t, k)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for k.Env.AWS.Counts()["AssumeRole"] == assumes && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	k.Env.AWS.SetDelay("AssumeRole", 0)
	if got := k.Env.IdP.Counts()["token:refresh_token"] - refreshes; got != 1 {
		t.Fatalf("refreshes before the kill = %d, want 1", got)
	}

	// The rotated refresh token was saved before the chain ran: the next
	// call refreshes with it (the old one would revoke the grant).
	r := runProcs(t, k, 1, "auth", "get-iam-credentials", "--non-interactive")
	if r[0].code != 0 {
		t.Fatalf("after SIGKILL mid-chain: exit %d: %s", r[0].code, r[0].stderr)
	}
	accessKeys(t, r)
}
