package app

import (
	"context"
	"sync"
	"testing"

	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/sandbox/awsemu"
)

// TestRealProviderSharedSignIn: three profiles on one sign-in with the
// certified oidc-provider (no jti, rotating refresh tokens), one sign-in,
// then 8 concurrent callers per profile on expired sessions: every one
// passes, one exchange per profile, and no assertion is presented twice.
func TestRealProviderSharedSignIn(t *testing.T) {
	t.Parallel()
	issuer := realProviderIssuer(t)
	k := realProviderKit(t, issuer)
	cfg, err := config.Load(k.Dir)
	if err != nil {
		t.Fatal(err)
	}
	whole := cfg.Profiles["default"]
	cfg.SignIns = map[string]*config.Profile{"corp": whole.IdPSettings()}
	for _, p := range sharedProfiles {
		prof := whole.WithoutIdP()
		prof.SignIn = "corp"
		cfg.Profiles[p] = prof
	}
	delete(cfg.Profiles, "default")
	if err := config.Save(k.Dir, cfg); err != nil {
		t.Fatal(err)
	}
	c := &chainRun{t: t, k: k}
	get := []string{"auth", "get-iam-credentials", "--non-interactive"}
	c.run("sign-in", 1, "--profile", "dev", "auth", "--timeout", "30s")
	for _, p := range sharedProfiles[1:] {
		c.run("first exchange of "+p, 1, append([]string{"--profile", p}, get...)...)
	}
	// diag reads the sign-in's tokens, and its live check refreshes them
	// under the sign-in's lock and ledger.
	c.run("diag live check", 1, "--profile", "stage", "diag")
	for _, p := range sharedProfiles {
		expireProfileSessions(t, k, p)
	}
	before := k.Env.AWS.Counts()["CreateTokenWithIAM"]
	var wg sync.WaitGroup
	for _, p := range sharedProfiles {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.run("8 concurrent callers of "+p, 8, append([]string{"--profile", p}, get...)...)
		}()
	}
	wg.Wait()
	counts := k.Env.AWS.Counts()
	t.Logf("shared sign-in against %s: processes passed=%d failed=%d, exchanges (CreateTokenWithIAM)=%d, IdP refreshes=%d, "+
		"refreshes repeating a presented token=%d, replays refused=%d",
		issuer, c.passed, c.failed, counts["CreateTokenWithIAM"], c.refreshes, c.repeats, counts[awsemu.ReplayRefusedCount])
	if n := counts["CreateTokenWithIAM"] - before; n != len(sharedProfiles) {
		t.Errorf("exchanges after expiry = %d, want one per profile (%d)", n, len(sharedProfiles))
	}
	if n := counts[awsemu.ReplayRefusedCount]; n != 0 {
		t.Errorf("replayed assertions refused = %d, want 0", n)
	}
	if st, _ := k.Store.Get(context.Background(), "dev"); st == nil || st.IdP != nil {
		t.Errorf("profile dev's bundle holds IdP tokens: %+v", st)
	}
}
