package cmdutil_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/session"
	"github.com/tip-cli/tip-cli/internal/testkit"
)

// TestHandout: the preamble of the credential commands against the
// sandbox. The first Get signs in (the kit's browser) and runs the chain;
// the next is served from the cache; session policies get a session of
// their own; --s3ag hands out the grant's credentials.
func TestHandout(t *testing.T) {
	t.Parallel()
	k := testkit.New(t, sandbox.EnvOptions{})
	k.Configure(t, "default")
	ctx := context.Background()

	h, err := k.F.Handout(cmdutil.SignInOptions{}, &cmdutil.SourceFlags{}, false)
	if err != nil {
		t.Fatal(err)
	}
	if h.Profile.Region != sandbox.Region || len(h.Scope.PolicyARNs) != 0 || h.Scope.Policy != "" {
		t.Errorf("profile %+v, scope %+v", h.Profile, h.Scope)
	}
	first, err := h.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if k.Browser.Load() != 1 || first.AccessKeyID == "" {
		t.Fatalf("browser opened %d times, credentials %+v", k.Browser.Load(), first)
	}
	calls := k.Env.AWS.Counts()["AssumeRole"]
	again, err := h.Get(ctx)
	if err != nil || again.AccessKeyID != first.AccessKeyID || k.Env.AWS.Counts()["AssumeRole"] != calls {
		t.Errorf("second Get not from the cache: %v, AssumeRole %d → %d", err, calls, k.Env.AWS.Counts()["AssumeRole"])
	}

	arn := "arn:aws:iam::aws:policy/AmazonAthenaFullAccess"
	scoped, err := k.F.Handout(cmdutil.SignInOptions{NonInteractive: true},
		&cmdutil.SourceFlags{Policies: cmdutil.PolicyFlags{PolicyARNs: []string{arn}}}, false)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := scoped.Get(ctx)
	if err != nil || sc.AccessKeyID == first.AccessKeyID {
		t.Fatalf("scoped: %v, same key as unscoped: %v", err, sc != nil && sc.AccessKeyID == first.AccessKeyID)
	}
	reqs := k.Env.AWS.Requests("AssumeRole")
	if got := reqs[len(reqs)-1].Params.Get("PolicyArns.member.1.arn"); got != arn {
		t.Errorf("AssumeRole PolicyArns = %q", got)
	}

	grant, err := k.F.Handout(cmdutil.SignInOptions{NonInteractive: true},
		&cmdutil.SourceFlags{S3AG: "s3://tip-sandbox-data/analysts/q1/", Permission: "READ"}, false)
	if err != nil {
		t.Fatal(err)
	}
	g, err := grant.Get(ctx)
	if err != nil || g.AccessKeyID == first.AccessKeyID || k.Env.AWS.Counts()["GetDataAccess"] != 1 {
		t.Errorf("grant: %v, GetDataAccess calls %d", err, k.Env.AWS.Counts()["GetDataAccess"])
	}
	if k.Browser.Load() != 1 {
		t.Errorf("browser opened %d times, want one sign-in for all", k.Browser.Load())
	}
}

// TestHandoutRefuses: what is wrong is reported before any network call
// (an unconfigured or invalid profile, a bad --s3ag), and a
// non-interactive Get without a sign-in asks for one.
func TestHandoutRefuses(t *testing.T) {
	t.Parallel()
	k := testkit.New(t, sandbox.EnvOptions{})
	var nc *config.NotConfiguredError
	if _, err := k.F.Handout(cmdutil.SignInOptions{}, &cmdutil.SourceFlags{}, false); !errors.As(err, &nc) {
		t.Errorf("unconfigured: %v", err)
	}
	p := k.Configure(t, "default")
	if _, err := k.F.Handout(cmdutil.SignInOptions{}, &cmdutil.SourceFlags{S3AG: "bucket/x", Permission: "READ"}, false); !isFlagError(err) {
		t.Errorf("bad --s3ag: %v", err)
	}
	h, err := k.F.Handout(cmdutil.SignInOptions{NonInteractive: true}, &cmdutil.SourceFlags{}, false)
	if err != nil {
		t.Fatal(err)
	}
	var lr *session.LoginRequiredError
	if _, err := h.Get(context.Background()); !errors.As(err, &lr) || err.Error() != "not signed in: run `tip-cli auth`" {
		t.Errorf("not signed in: %v", err)
	}
	bad := *p
	bad.OIDCRoleARN = "tip-oidc"
	k.Save(t, "default", &bad)
	if _, err := k.F.Handout(cmdutil.SignInOptions{}, &cmdutil.SourceFlags{}, false); err == nil ||
		!strings.HasPrefix(err.Error(), `profile "default" is invalid: `) {
		t.Errorf("invalid profile: %v", err)
	}
	if n := k.Env.AWS.Counts(); len(n) != 0 || k.Browser.Load() != 0 {
		t.Errorf("calls made: %v, browser %d", n, k.Browser.Load())
	}
}

// TestHandoutFloor: credentials minted with less than a minute left are
// refused with the floor's error, whichever path fetched them.
func TestHandoutFloor(t *testing.T) {
	t.Parallel()
	k := testkit.New(t, sandbox.EnvOptions{SessionLifetime: 30 * time.Second})
	k.Configure(t, "default")
	h, err := k.F.Handout(cmdutil.SignInOptions{}, &cmdutil.SourceFlags{}, false)
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.Get(context.Background())
	if err == nil || !strings.HasPrefix(err.Error(), "the identity-enhanced session expires at ") || !strings.HasSuffix(err.Error(), ", too soon to use") {
		t.Errorf("err = %v", err)
	}
}

func isFlagError(err error) bool {
	var fe *cmdutil.FlagError
	return errors.As(err, &fe)
}
