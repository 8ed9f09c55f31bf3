package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/store"
	"github.com/tip-cli/tip-cli/internal/testkit"
	"github.com/tip-cli/tip-cli/internal/testport"
)

const goodOkta = `{"okta_url":"https://example.okta.com/oauth2/default","okta_client_id":"0oa1",
"token_exchange_application_arn":"arn:aws:sso::123456789012:application/ssoins-1111222233334444/apl-5555666677778888",
"oidc_role_arn":"arn:aws:iam::123456789012:role/tip-oidc",
"id_enhanced_role_arn":"arn:aws:iam::123456789012:role/tip-id-enhanced","region":"eu-west-1"}`

// TestConfigureIdP runs configure idp through the whole tree: the legacy
// form, exit codes and streams. What the command does with each input is
// tested beside it (internal/cmd/configure).
func TestConfigureIdP(t *testing.T) {
	t.Parallel()
	bad := func(from, to string) string { return strings.Replace(goodOkta, from, to, 1) }
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"okta", []string{"configure", "idp", "--provider", "okta", "--config", goodOkta}, 0, ""},
		{"legacy form", []string{"configure", "--idp", "okta", "--config", goodOkta}, 0, ""},
		{"malformed JSON", []string{"configure", "idp", "--provider", "okta", "--config", `{"okta_url":`}, cmdutil.ExitUsage, "malformed JSON"},
		{"non-ARN role", []string{"configure", "idp", "--provider", "okta", "--config", bad("arn:aws:iam::123456789012:role/tip-oidc", "tip-oidc")}, cmdutil.ExitUsage, "oidc_role_arn"},
		{"no config, no terminal", []string{"configure", "idp", "--provider", "okta"}, cmdutil.ExitUsage, "refusing to prompt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := testkit.New(t, sandbox.EnvOptions{})
			prev := k.Configure(t, "default") // an existing profile a failed configure must not touch
			before, _ := os.ReadFile(filepath.Join(k.Dir, config.FileName))
			r := run(t, k, tt.args...)
			if r.code != tt.wantCode || !strings.Contains(r.stderr, tt.wantErr) || r.stdout != "" {
				t.Fatalf("code %d stdout %q stderr %q; want code %d and %q", r.code, r.stdout, r.stderr, tt.wantCode, tt.wantErr)
			}
			after, _ := os.ReadFile(filepath.Join(k.Dir, config.FileName))
			cfg, err := config.Load(k.Dir)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantCode != 0 {
				if string(before) != string(after) {
					t.Error("a failed configure changed the saved config")
				}
				return
			}
			p := cfg.Profiles["default"]
			if p.Provider != "okta" || p.Region != "eu-west-1" || p.IssuerURL == prev.IssuerURL && p.OktaURL == "" {
				t.Errorf("saved profile %+v", p)
			}
		})
	}
}

func TestConfigureListShowDelete(t *testing.T) {
	t.Parallel()
	k := testkit.New(t, sandbox.EnvOptions{})
	k.Configure(t, "default")
	k.Configure(t, "work")
	r := mustRun(t, k, "configure", "list")
	if !strings.Contains(r.stdout, "default") || !strings.Contains(r.stdout, "work") {
		t.Errorf("list: %s", r.stdout)
	}
	r = mustRun(t, k, "--profile", "work", "configure", "show", "-o", "json")
	if !strings.Contains(r.stdout, `"oidc_role_arn": "arn:aws:iam::123456789012:role/tip-sandbox-oidc"`) {
		t.Errorf("show json: %s", r.stdout)
	}
	mustRun(t, k, "configure", "delete", "work")
	if r := run(t, k, "--profile", "work", "configure", "show"); r.code == 0 {
		t.Error("deleted profile still shown")
	}
	if r := run(t, k, "configure", "delete", "nope"); r.code == 0 || !strings.Contains(r.stderr, "not configured") {
		t.Errorf("delete unknown: %d %s", r.code, r.stderr)
	}
}

// TestConfigureSharedSignIn: `configure idp --sign-in` creates a sign-in
// from the IdP settings given, lets another profile pick it with its AWS
// settings only, and refuses (leaving config.json as it was) a pick of a
// sign-in that does not exist, a bad name, and a sign-in change that
// would break another profile on it.
func TestConfigureSharedSignIn(t *testing.T) {
	t.Parallel()
	awsOnly := `{"token_exchange_application_arn":"arn:aws:sso::123456789012:application/ssoins-1111222233334444/apl-5555666677778888",
"oidc_role_arn":"arn:aws:iam::123456789012:role/tip-oidc","id_enhanced_role_arn":"arn:aws:iam::123456789012:role/other","region":"us-east-1"}`
	k := testkit.New(t, sandbox.EnvOptions{})
	mustRun(t, k, "--profile", "dev", "configure", "idp", "--provider", "okta", "--sign-in", "corp", "--config", goodOkta)
	mustRun(t, k, "--profile", "prod", "configure", "idp", "--config", strings.Replace(awsOnly, "{", `{"sign_in":"corp",`, 1))
	cfg, err := config.Load(k.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if si := cfg.SignIns["corp"]; si == nil || si.OktaClientID != "0oa1" || si.Region != "" {
		t.Fatalf("sign-in corp = %+v", si)
	}
	for _, name := range []string{"dev", "prod"} {
		if p := cfg.Profiles[name]; p.SignIn != "corp" || p.OktaURL != "" || p.Provider != "" {
			t.Errorf("profile %s saved as %+v, want its AWS settings and sign_in only", name, p)
		}
	}
	if p, _ := cfg.Profile("prod"); p.IDEnhancedRoleARN != "arn:aws:iam::123456789012:role/other" || p.Client() != "0oa1" {
		t.Errorf("prod resolves to %+v", p)
	}
	r := mustRun(t, k, "--profile", "prod", "auth", "status", "--output", "json")
	if !strings.Contains(r.stdout, `"sign_in_profiles": [`) {
		t.Errorf("status: %s", r.stdout)
	}
	if r := mustRun(t, k, "configure", "list"); !strings.Contains(r.stdout, "prod     corp") {
		t.Errorf("list:\n%s", r.stdout)
	}

	before, _ := os.ReadFile(filepath.Join(k.Dir, config.FileName))
	for _, tt := range []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"unknown sign-in", []string{"--profile", "qa", "configure", "idp", "--sign-in", "lab", "--config", awsOnly}, `sign-in "lab" is not configured yet`},
		{"bad name", []string{"--profile", "qa", "configure", "idp", "--sign-in", "a/b", "--config", goodOkta}, "sign-in name"},
		{"breaks another profile", []string{"--profile", "dev", "configure", "idp", "--provider", "okta", "--sign-in", "corp", "--config",
			strings.Replace(goodOkta, "https://example", "http://example", 1)}, "must use https"},
	} {
		r := run(t, k, tt.args...)
		if r.code != cmdutil.ExitUsage || !strings.Contains(r.stderr, tt.wantErr) || r.stdout != "" {
			t.Errorf("%s: code %d stdout %q stderr %q; want usage error %q", tt.name, r.code, r.stdout, r.stderr, tt.wantErr)
		}
	}
	if after, _ := os.ReadFile(filepath.Join(k.Dir, config.FileName)); string(after) != string(before) {
		t.Error("a failed configure changed the saved config")
	}

}

// TestDeleteSharedSignIn: `configure delete --sign-in` refuses a sign-in
// profiles still use, naming them; once none does it removes the sign-in's
// settings and its tokens.
func TestDeleteSharedSignIn(t *testing.T) {
	t.Parallel()
	k := testkit.New(t, sandbox.EnvOptions{})
	configureShared(t, k)
	if r := run(t, k, "configure", "delete", "--sign-in", "corp"); r.code != 1 || r.stdout != "" ||
		!strings.Contains(r.stderr, `sign-in "corp" is used by profile dev, prod, stage`) {
		t.Errorf("delete a sign-in in use: code %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	mustRun(t, k, "--profile", "dev", "auth")
	if b, err := k.Store.Get(t.Context(), store.SignInKey("corp")); err != nil || b == nil || b.IdP == nil {
		t.Fatalf("no shared sign-in stored after auth: %v", err)
	}
	// The profiles move to their own IdP settings; the sign-in's tokens stay
	// until the sign-in itself is deleted.
	own, err := json.Marshal(k.Env.Profile(testport.RedirectURI(t)))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range sharedProfiles {
		mustRun(t, k, "--profile", p, "configure", "idp", "--config", string(own))
	}
	if b, err := k.Store.Get(t.Context(), store.SignInKey("corp")); err != nil || b == nil {
		t.Fatalf("the unused sign-in's tokens are already gone (%v)", err)
	}
	if r := mustRun(t, k, "configure", "delete", "--sign-in", "corp"); !strings.Contains(r.stderr, "Deleted sign-in corp") {
		t.Errorf("delete sign-in: %q", r.stderr)
	}
	if cfg, err := config.Load(k.Dir); err != nil || cfg.SignIns["corp"] != nil {
		t.Errorf("sign-in corp still configured: %v", err)
	}
	if b, err := k.Store.Get(t.Context(), store.SignInKey("corp")); err != nil || b != nil {
		t.Errorf("sign-in corp's tokens still stored (%v)", err)
	}
	if r := run(t, k, "configure", "delete", "--sign-in", "corp"); r.code != 1 || !strings.Contains(r.stderr, `sign-in "corp" is not configured`) {
		t.Errorf("delete it again: code %d stderr %q", r.code, r.stderr)
	}
}
