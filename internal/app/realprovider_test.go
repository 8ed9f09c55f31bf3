package app

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/sandbox/awsemu"
	"github.com/tip-cli/tip-cli/internal/store"
	"github.com/tip-cli/tip-cli/internal/testbuf"
	"github.com/tip-cli/tip-cli/internal/testkit"
	"github.com/tip-cli/tip-cli/internal/testport"
)

// The whole chain against a real, OpenID Certified IdP (npm oidc-provider,
// scripts/oidc-provider/server.mjs, ideally with --okta) when
// TIP_CLI_TEST_OIDC_PROVIDER_URL names its issuer (`bash .ci/run`, section
// oidc-provider). Its ID tokens carry no jti, and the sandbox's AWS
// emulation, trusting it, refuses an assertion presented twice, as IAM
// Identity Center does. Every step runs back to back, as real processes
// of tip-cli, with no sleeps in between.

const realProviderClientID = "tip-cli-test" // registered in server.mjs

// realProviderIssuer is the real IdP's issuer; the test skips without one
// (CI's oidc-provider section fails on a skip).
func realProviderIssuer(t *testing.T) string {
	t.Helper()
	issuer := os.Getenv("TIP_CLI_TEST_OIDC_PROVIDER_URL")
	if issuer == "" {
		t.Skip("TIP_CLI_TEST_OIDC_PROVIDER_URL is not set: start scripts/oidc-provider/server.mjs --okta --test-hooks (bash .ci/run does)")
	}
	return issuer
}

// realProviderKit is a Kit whose AWS emulation trusts the real IdP and
// whose profile "default" signs in there (Okta preset).
func realProviderKit(t *testing.T, issuer string) *testkit.Kit {
	t.Helper()
	return realProviderKitWith(t, issuer, nil)
}

// realProviderKitWith is realProviderKit whose IAM OIDC provider for the
// real IdP has the context provider cp (nil: none).
func realProviderKitWith(t *testing.T, issuer string, cp *awsemu.ContextProvider) *testkit.Kit {
	t.Helper()
	aws, err := awsemu.NewAWS(awsemu.AWSOptions{
		IssuerURL:       issuer,
		Audiences:       []string{realProviderClientID},
		Region:          sandbox.Region,
		Users:           map[string]string{sandbox.AliceEmail: sandbox.AliceUserID},
		Groups:          map[string][]string{sandbox.AliceUserID: {"data-analysts"}},
		Grants:          sandbox.DefaultGrants(),
		ContextProvider: cp,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(aws.Close)
	ic := awsemu.InstallIdentityCenter(aws, awsemu.IdentityCenterConfig{})
	k := &testkit.Kit{Env: &sandbox.Env{AWS: aws}, Dir: t.TempDir(), Vars: map[string]string{}}
	k.Store = store.NewFileStore(k.Dir)
	admin := ic.AdminCredentials()
	k.Vars["AWS_ACCESS_KEY_ID"], k.Vars["AWS_SECRET_ACCESS_KEY"], k.Vars["AWS_SESSION_TOKEN"] =
		admin.AccessKeyID, admin.SecretAccessKey, admin.SessionToken
	cfg, err := config.Load(k.Dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Profiles["default"] = &config.Profile{
		Provider:                    config.ProviderOkta,
		OktaURL:                     issuer,
		ClientID:                    realProviderClientID,
		TokenExchangeApplicationARN: aws.ApplicationARN(),
		OIDCRoleARN:                 aws.OIDCRoleARN(),
		IDEnhancedRoleARN:           aws.IDEnhancedRoleARN(),
		Region:                      sandbox.Region,
		RedirectURI:                 testport.RedirectURI(t),
	}
	if err := config.Save(k.Dir, cfg); err != nil {
		t.Fatal(err)
	}
	return k
}

// chainRun runs tip-cli processes and tallies what their --debug logs say.
type chainRun struct {
	t              *testing.T
	k              *testkit.Kit
	mu             sync.Mutex
	refreshes      int // IdP refreshes
	repeats        int // refreshes that returned an ID token already presented
	failed, passed int
}

// run starts n processes with args at once and requires every one to pass.
func (c *chainRun) run(step string, n int, args ...string) []procResult {
	rs := runProcs(c.t, c.k, n, append([]string{"--debug"}, args...)...)
	c.tally(step, rs)
	return rs
}

func (c *chainRun) tally(step string, rs []procResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range rs {
		c.refreshes += strings.Count(r.stderr, "identity provider tokens refreshed")
		c.repeats += strings.Count(r.stderr, "returned an ID token already presented")
		if r.code != 0 {
			c.failed++
			c.t.Errorf("%s: exit %d: %s", step, r.code, lastLines(r.stderr, 3))
			continue
		}
		c.passed++
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// expire makes every cached session and grant of the profile look expired,
// so the next call runs the chain.
func expire(t *testing.T, k *testkit.Kit) {
	t.Helper()
	ctx := context.Background()
	b, err := k.Store.Get(ctx, "default")
	if err != nil || b == nil {
		t.Fatalf("no cached bundle: %v", err)
	}
	past := time.Now().Add(-time.Minute)
	for _, c := range b.Sessions {
		c.Expiration = past
	}
	for _, g := range b.Grants {
		g.Credentials.Expiration = past
	}
	if err := k.Store.Put(ctx, "default", b); err != nil {
		t.Fatal(err)
	}
}

func TestRealProviderWholeChain(t *testing.T) {
	t.Parallel()
	issuer := realProviderIssuer(t)
	k := realProviderKit(t, issuer)
	c := &chainRun{t: t, k: k}
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	get := []string{"auth", "get-iam-credentials", "--non-interactive"}
	scoped := append(append([]string{}, get...), "--policy", policy)

	c.run("sign-in and unscoped exchange", 1, "auth", "--timeout", "30s")
	c.run("scoped exchange", 1, scoped...)
	expire(t, k)
	c.run("s3ag", 1, "s3ag", "get-data-access", "s3://tip-sandbox-data/analysts/", "--permission", "READWRITE", "--non-interactive")
	c.run("diag live check", 1, "diag")

	expire(t, k)
	var wg sync.WaitGroup
	for _, args := range [][]string{get, scoped} {
		wg.Add(1)
		go func() { defer wg.Done(); c.run("8 concurrent callers", 4, args...) }()
	}
	wg.Wait()

	expire(t, k)
	c.killMidChain(get)
	c.run("retry after SIGKILL", 1, get...)

	counts := k.Env.AWS.Counts()
	t.Logf("whole chain against %s: processes passed=%d failed=%d, exchanges (CreateTokenWithIAM)=%d, IdP refreshes=%d, "+
		"refreshes repeating a presented token=%d, replays refused=%d",
		issuer, c.passed, c.failed, counts["CreateTokenWithIAM"], c.refreshes, c.repeats, counts[awsemu.ReplayRefusedCount])
	if n := counts[awsemu.ReplayRefusedCount]; n != 0 {
		t.Errorf("replayed assertions refused = %d, want 0", n)
	}
}

// killMidChain SIGKILLs a credential_process call once CreateTokenWithIAM
// has spent its assertion (it waits in AssumeRole), before it saves.
func (c *chainRun) killMidChain(args []string) {
	aws := c.k.Env.AWS
	aws.SetDelay("AssumeRole", 20*time.Second)
	defer aws.SetDelay("AssumeRole", 0)
	assumes := aws.Counts()["AssumeRole"]
	exe, _ := os.Executable()
	cmd := exec.Command(exe, append([]string{"--debug"}, args...)...)
	cmd.Env = procEnv(c.t, c.k)
	errOut := &testbuf.Buffer{}
	cmd.Stderr = errOut
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for aws.Counts()["AssumeRole"] == assumes && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil {
		c.t.Fatal(err)
	}
	_ = cmd.Wait()
	c.mu.Lock()
	c.refreshes += strings.Count(errOut.String(), "identity provider tokens refreshed")
	c.mu.Unlock()
}

// TestRealProviderFederation: TIP for IAM federation with the certified
// IdP: sign-in, the origin identity STS attaches from its ID token's email
// claim, concurrent callers on an expired session (one refresh, one STS
// call) and diag's live walk, as real processes.
func TestRealProviderFederation(t *testing.T) {
	t.Parallel()
	issuer := realProviderIssuer(t)
	k := realProviderKitWith(t, issuer, sandbox.ContextProviderEmail())
	cfg, err := config.Load(k.Dir)
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.Profiles["default"]
	p.Mode, p.RoleARN, p.DurationSeconds = config.TIPModeIAMFederation, k.Env.AWS.FederationRoleARN(), 43200
	p.TokenExchangeApplicationARN, p.OIDCRoleARN, p.IDEnhancedRoleARN = "", "", ""
	if err := config.Save(k.Dir, cfg); err != nil {
		t.Fatal(err)
	}
	c := &chainRun{t: t, k: k}
	c.run("sign-in and federation exchange", 1, "auth", "--timeout", "30s")
	r := c.run("warm call", 1, "auth", "get-iam-credentials", "--format", "json", "--non-interactive")[0]
	if !strings.Contains(r.stdout, `"Subject": "`+sandbox.AliceEmail+`"`) {
		t.Errorf("the session does not carry the real IdP's user: %s", r.stdout)
	}
	expire(t, k)
	before := k.Env.AWS.Counts()["AssumeRoleWithWebIdentity"]
	refreshes := c.refreshes
	c.run("8 concurrent callers", 8, "auth", "get-iam-credentials", "--non-interactive")
	if d := k.Env.AWS.Counts()["AssumeRoleWithWebIdentity"] - before; d != 1 || c.refreshes-refreshes != 1 {
		t.Errorf("8 callers on an expired session: %d STS calls and %d IdP refreshes, want 1 and 1", d, c.refreshes-refreshes)
	}
	d := c.run("diag live walk", 1, "diag", "--output", "json")[0]
	if !strings.Contains(d.stdout, `"live-federated-role"`) {
		t.Errorf("diag did not walk the federation path: %s", d.stdout)
	}
	t.Logf("federation against %s: processes passed=%d failed=%d", issuer, c.passed, c.failed)
}
