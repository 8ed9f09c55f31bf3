package app

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/testkit"
	"github.com/tip-cli/tip-cli/internal/testport"
)

// Issue 21, TIP for IAM federation, with real tip-cli and lean processes
// against the sandbox's IAM OIDC provider with a context provider.

// federationKit is a sandbox whose IAM OIDC provider has the email context
// provider, with the default profile in iam-federation mode lasting 12 h,
// signed in by a real `tip-cli auth`.
func federationKit(t *testing.T) *testkit.Kit {
	t.Helper()
	k := testkit.New(t, sandbox.EnvOptions{ContextProvider: sandbox.ContextProviderEmail()})
	k.ConfigureFederation(t, "default", 12*time.Hour)
	r := runProcs(t, k, 1, "auth", "--timeout", "30s")[0]
	if r.code != 0 {
		t.Fatalf("sign-in: exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "Session carrying user "+sandbox.AliceEmail) {
		t.Errorf("auth does not name the person the session carries:\n%s", r.stderr)
	}
	return k
}

func TestFederationModeProcesses(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts real processes")
	}
	k := federationKit(t)

	// Only the one federation call: no Identity Center step ran.
	counts := k.Env.AWS.Counts()
	if counts["AssumeRoleWithWebIdentity"] != 1 || counts["CreateTokenWithIAM"] != 0 || counts["AssumeRole"] != 0 {
		t.Errorf("sign-in made AWS calls %v, want one AssumeRoleWithWebIdentity", counts)
	}
	r := runProcs(t, k, 1, "auth", "get-iam-credentials", "--format", "json")[0]
	var doc struct {
		AccessKeyId, Expiration string
		OriginIdentity          struct{ Subject, SubjectType, Issuer, FederatedProviderArn string }
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &doc) != nil {
		t.Fatalf("warm call: exit %d stdout %q stderr %s", r.code, r.stdout, r.stderr)
	}
	o := doc.OriginIdentity
	if o.Subject != sandbox.AliceEmail || o.SubjectType != "user" || o.Issuer != strings.TrimPrefix(k.Env.IdP.Issuer(), "http://") && o.Issuer != strings.TrimPrefix(k.Env.IdP.Issuer(), "https://") || o.FederatedProviderArn == "" {
		t.Errorf("OriginIdentity = %+v", o)
	}
	if exp, err := time.Parse(time.RFC3339, doc.Expiration); err != nil || time.Until(exp) < 11*time.Hour {
		t.Errorf("Expiration %q: want a 12-hour session", doc.Expiration)
	}
	if k.Env.AWS.Counts()["AssumeRoleWithWebIdentity"] != 1 {
		t.Error("the warm call reached STS")
	}

	status := runProcs(t, k, 1, "auth", "status")[0]
	for _, want := range []string{"iam-federation", "carries: user " + sandbox.AliceEmail} {
		if !strings.Contains(status.stdout, want) {
			t.Errorf("auth status lacks %q:\n%s", want, status.stdout)
		}
	}

	// 16 concurrent callers on an expired session: 1 IdP refresh, 1 STS call.
	expireSessions(t, k)
	idpBefore, awsBefore := k.Env.IdP.Counts(), k.Env.AWS.Counts()
	k.Env.AWS.SetDelay("AssumeRoleWithWebIdentity", 500*time.Millisecond)
	keys := accessKeys(t, runProcs(t, k, 16, "auth", "get-iam-credentials", "--non-interactive"))
	k.Env.AWS.SetDelay("AssumeRoleWithWebIdentity", 0)
	if len(keys) != 1 {
		t.Errorf("%d credential sets among 16 callers, want 1", len(keys))
	}
	assertOneRefresh(t, k, idpBefore, awsBefore, "AssumeRoleWithWebIdentity")

	// --debug never prints the subject.
	dbg := runProcs(t, k, 1, "--debug", "auth", "get-iam-credentials", "--force-refresh", "--non-interactive")[0]
	if dbg.code != 0 || strings.Contains(dbg.stderr, sandbox.AliceEmail) {
		t.Errorf("--debug refresh: exit %d, subject in the trace: %v\n%s", dbg.code, strings.Contains(dbg.stderr, sandbox.AliceEmail), dbg.stderr)
	}
}

// TestFederationLeanParity: the lean binary answers a federation-mode
// profile byte for byte as tip-cli, serving the warm call itself.
func TestFederationLeanParity(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts real processes")
	}
	bins := installBinaries(t)
	k := federationKit(t)
	env := append(procEnv(t, k), handoffLogEnv+"="+bins.handoffLog)
	for _, args := range [][]string{
		{"auth", "get-iam-credentials"},
		{"auth", "get-iam-credentials", "--format", "json"},
		{"auth", "get-iam-credentials", "--format", "env"},
	} {
		full := runExe(bins.full, env, 1, args...)[0]
		bins.handoffs(t)
		lean := runExe(bins.lean, env, 1, args...)[0]
		if full != lean || full.code != 0 {
			t.Errorf("%q: tip-cli exit %d %q, lean exit %d %q", args, full.code, full.stdout, lean.code, lean.stdout)
		}
		if n := bins.handoffs(t); n != 0 {
			t.Errorf("%q: the lean binary handed off %d times on a warm call", args, n)
		}
	}
}

// TestFederationRefusesSessionWithoutContext: a provider without a context
// provider gives sessions that do not carry the person. Nothing reaches
// stdout, nothing is cached, and the next call fails the same way (the
// sign-in itself was saved), not with "not signed in".
func TestFederationRefusesSessionWithoutContext(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts real processes")
	}
	k := testkit.New(t, sandbox.EnvOptions{})
	k.ConfigureFederation(t, "default", 0)
	for i, args := range [][]string{
		{"auth", "get-iam-credentials", "--timeout", "30s"},
		{"auth", "get-iam-credentials", "--non-interactive"},
	} {
		r := runProcs(t, k, 1, args...)[0]
		if r.code == 0 || r.stdout != "" || !strings.Contains(r.stderr, "has no context provider") ||
			!strings.Contains(r.stderr, "update-open-id-connect-provider") || strings.Count(strings.TrimSpace(r.stderr), "\n") > 2 {
			t.Errorf("call %d: exit %d stdout %q stderr %q: want a refusal naming the fix", i, r.code, r.stdout, r.stderr)
		}
	}
	if got := k.Env.IdP.Counts()["authorize"]; got != 1 {
		t.Errorf("sign-ins = %d, want 1 (the sign-in is kept after a refused exchange)", got)
	}
	status := runProcs(t, k, 1, "auth", "status", "--output", "json")[0]
	var s struct {
		SignedIn bool              `json:"signed_in"`
		Sessions []json.RawMessage `json:"sessions"`
	}
	if err := json.Unmarshal([]byte(status.stdout), &s); err != nil || !s.SignedIn || len(s.Sessions) != 0 {
		t.Errorf("auth status after refusals: %s (want signed in, no cached session)", status.stdout)
	}
}

// TestModeSwitchNeverServesOldSession: a session cached in identity-center
// mode is not served after the profile moves to iam-federation, by either
// binary.
func TestModeSwitchNeverServesOldSession(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts real processes")
	}
	bins := installBinaries(t)
	k := testkit.New(t, sandbox.EnvOptions{ContextProvider: sandbox.ContextProviderEmail()})
	k.Configure(t, "default")
	env := append(procEnv(t, k), handoffLogEnv+"="+bins.handoffLog)
	first := runExe(bins.full, env, 1, "auth", "get-iam-credentials", "--timeout", "30s")[0]
	if first.code != 0 {
		t.Fatalf("identity-center call: %s", first.stderr)
	}
	bins.handoffs(t) // reset: tip-cli itself ran
	k.ConfigureFederation(t, "default", 0)
	second := runExe(bins.lean, env, 1, "auth", "get-iam-credentials", "--non-interactive")[0]
	if second.code != 0 || second.stdout == first.stdout {
		t.Fatalf("after the mode switch: exit %d, same credentials served: %v (%s)", second.code, second.stdout == first.stdout, second.stderr)
	}
	if n := bins.handoffs(t); n != 1 {
		t.Errorf("lean hand-offs = %d, want 1 (the old session must not be served)", n)
	}
	if k.Env.AWS.Counts()["AssumeRoleWithWebIdentity"] != 2 {
		t.Errorf("AWS calls %v: want the federation exchange after the switch", k.Env.AWS.Counts())
	}
}

// TestSharedSignInServesBothModes: one sign-in, one refresh token, serving
// an identity-center profile and an iam-federation profile, each with its
// own chain; the federation profile's session carries the person.
func TestSharedSignInServesBothModes(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts real processes")
	}
	k := testkit.New(t, sandbox.EnvOptions{ContextProvider: sandbox.ContextProviderEmail()})
	ic, fed := k.Env.Profile(testport.RedirectURI(t)), k.Env.FederationProfile("", 0)
	cfg, err := config.Load(k.Dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg.SignIns = map[string]*config.Profile{"corp": ic.IdPSettings()}
	ic, fed = ic.WithoutIdP(), fed.WithoutIdP()
	ic.SignIn, fed.SignIn = "corp", "corp"
	cfg.Profiles["ic"], cfg.Profiles["fed"] = ic, fed
	if err := config.Save(k.Dir, cfg); err != nil {
		t.Fatal(err)
	}
	if r := runProcs(t, k, 1, "--profile", "ic", "auth", "--timeout", "30s")[0]; r.code != 0 {
		t.Fatalf("sign-in: %s", r.stderr)
	}
	r := runProcs(t, k, 1, "--profile", "fed", "auth", "get-iam-credentials", "--format", "json", "--non-interactive")[0]
	if r.code != 0 || !strings.Contains(r.stdout, `"Subject": "`+sandbox.AliceEmail+`"`) {
		t.Fatalf("federation profile on the shared sign-in: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	if got := k.Env.IdP.Counts()["authorize"]; got != 1 {
		t.Errorf("sign-ins = %d, want 1 for both profiles", got)
	}
	c := k.Env.AWS.Counts()
	if c["CreateTokenWithIAM"] != 1 || c["AssumeRole"] != 1 || c["AssumeRoleWithWebIdentity"] != 2 {
		t.Errorf("AWS calls %v: want one identity-center chain and one federation call", c)
	}
}
