package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/store"
	"github.com/tip-cli/tip-cli/internal/testkit"
)

const goodOkta = `{"okta_url":"https://example.okta.com/oauth2/default","okta_client_id":"0oa1",
"token_exchange_application_arn":"arn:aws:sso::123456789012:application/ssoins-1111222233334444/apl-5555666677778888",
"oidc_role_arn":"arn:aws:iam::123456789012:role/tip-oidc",
"id_enhanced_role_arn":"arn:aws:iam::123456789012:role/tip-id-enhanced","region":"eu-west-1"}`

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
		{"unknown provider", []string{"configure", "idp", "--provider", "ping", "--config", goodOkta}, cmdutil.ExitUsage, `unknown provider "ping"`},
		{"non-ARN role", []string{"configure", "idp", "--provider", "okta", "--config", bad("arn:aws:iam::123456789012:role/tip-oidc", "tip-oidc")}, cmdutil.ExitUsage, "oidc_role_arn"},
		{"http issuer off loopback", []string{"configure", "idp", "--provider", "okta", "--config", bad("https://example", "http://example")}, cmdutil.ExitUsage, "must use https"},
		{"missing client id", []string{"configure", "idp", "--provider", "okta", "--config", bad(`"okta_client_id":"0oa1",`, "")}, cmdutil.ExitUsage, "client id is required"},
		{"missing file", []string{"configure", "idp", "--provider", "okta", "--config", "/nonexistent/x.json"}, cmdutil.ExitUsage, "neither JSON nor a readable file"},
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

// TestConfigureSharedSignInPrompts: answering a new sign-in name creates
// it from the answers; answering an existing one offers its settings as
// the defaults, so Enter picks it and only the AWS side is asked for.
func TestConfigureSharedSignInPrompts(t *testing.T) {
	t.Parallel()
	k := testkit.New(t, sandbox.EnvOptions{})
	k.F.IOStreams.SetTTY(true, false, false)
	aws := []string{
		"", // TIP mode: the default, identity-center
		"arn:aws:sso::123456789012:application/ssoins-1111222233334444/apl-5555666677778888",
		"arn:aws:iam::123456789012:role/tip-oidc",
		"arn:aws:iam::123456789012:role/tip-id-enhanced",
		"us-west-2",
	}
	first := append([]string{"corp", "okta", "https://example.okta.com/oauth2/default", "0oa1"}, aws...)
	k.F.IOStreams.In = strings.NewReader(strings.Join(append(first, "9000"), "\n") + "\n")
	mustRun(t, k, "--profile", "dev", "configure", "idp")
	second := append([]string{"corp", "", "", ""}, aws...)
	second[len(second)-1] = "eu-west-1"
	k.F.IOStreams.In = strings.NewReader(strings.Join(append(second, ""), "\n") + "\n")
	r := mustRun(t, k, "--profile", "prod", "configure", "idp")
	if !strings.Contains(r.stderr, "configured: corp") || !strings.Contains(r.stderr, "[https://example.okta.com/oauth2/default]") {
		t.Errorf("prompt does not offer the sign-in and its settings:\n%s", r.stderr)
	}
	cfg, err := config.Load(k.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if si := cfg.SignIns["corp"]; si == nil || si.OktaClientID != "0oa1" || si.Redirect() != "http://localhost:9000/callback" {
		t.Fatalf("sign-in corp = %+v", si)
	}
	if got := cfg.SignInProfiles("corp"); !reflect.DeepEqual(got, []string{"dev", "prod"}) {
		t.Errorf("profiles on corp = %v", got)
	}
	if p := cfg.Profiles["prod"]; p.Region != "eu-west-1" || p.OktaURL != "" {
		t.Errorf("prod saved as %+v", p)
	}
}

func TestConfigureIdPPrompts(t *testing.T) {
	t.Parallel()
	k := testkit.New(t, sandbox.EnvOptions{})
	k.F.IOStreams.SetTTY(true, false, false)
	answers := strings.Join([]string{
		"", // no shared sign-in
		"okta",
		"http://example.okta.com", // rejected: plain http off loopback
		"https://example.okta.com/oauth2/default",
		"0oa1",
		"",           // TIP mode: the default, identity-center
		"not-an-arn", // rejected
		"arn:aws:sso::123456789012:application/ssoins-1111222233334444/apl-5555666677778888",
		"arn:aws:iam::123456789012:role/tip-oidc",
		"arn:aws:iam::123456789012:role/tip-id-enhanced",
		"us-west-2",
		"9000",
	}, "\n") + "\n"
	k.F.IOStreams.In = strings.NewReader(answers)
	r := run(t, k, "--profile", "work", "configure", "idp")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if strings.Count(r.stderr, "✗") != 2 {
		t.Errorf("want two rejected answers, stderr:\n%s", r.stderr)
	}
	cfg, err := config.Load(k.Dir)
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.Profiles["work"]
	if p == nil || p.OktaClientID != "0oa1" || p.Region != "us-west-2" || p.Redirect() != "http://localhost:9000/callback" {
		t.Fatalf("profile %+v", p)
	}

	// Re-running shows the saved values as defaults: Enter keeps them all.
	k.F.IOStreams.In = strings.NewReader(strings.Repeat("\n", 12))
	if r := run(t, k, "--profile", "work", "configure", "idp"); r.code != 0 {
		t.Fatalf("re-run: %d %s", r.code, r.stderr)
	}
	cfg2, _ := config.Load(k.Dir)
	if !reflect.DeepEqual(cfg2.Profiles["work"], p) {
		t.Errorf("defaults not kept: %+v", cfg2.Profiles["work"])
	}

	// The same profile switched to iam-federation: only its role, region
	// and session length are asked; the Identity Center ARNs are dropped.
	fed := strings.Join([]string{"", "", "", "", "iam-federation",
		"arn:aws:iam::123456789012:role/tip-federated", "", "50000", "43200", ""}, "\n") + "\n"
	k.F.IOStreams.In = strings.NewReader(fed)
	if r := run(t, k, "--profile", "work", "configure", "idp"); r.code != 0 || strings.Count(r.stderr, "✗") != 1 {
		t.Fatalf("federation: exit %d (want 0 and one rejected duration): %s", r.code, r.stderr)
	}
	cfg3, _ := config.Load(k.Dir)
	if w := cfg3.Profiles["work"]; w.TIPMode() != config.TIPModeIAMFederation || w.RoleARN != "arn:aws:iam::123456789012:role/tip-federated" ||
		w.DurationSeconds != 43200 || w.OIDCRoleARN != "" || w.TokenExchangeApplicationARN != "" || w.Region != "us-west-2" {
		t.Errorf("federation profile saved as %+v", w)
	}

	// Input ending early aborts without saving.
	k.F.IOStreams.In = strings.NewReader("oidc\n")
	if r := run(t, k, "--profile", "other", "configure", "idp"); r.code == 0 || !strings.Contains(r.stderr, "aborted") {
		t.Fatalf("truncated input: %d %s", r.code, r.stderr)
	}
}

func TestConfigureAWSProfile(t *testing.T) {
	t.Parallel()
	k := testkit.New(t, sandbox.EnvOptions{})
	k.Configure(t, "default")
	awsCfg := filepath.Join(t.TempDir(), "config")
	orig := "# my settings\n[default]\nregion = eu-central-1\n\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
	writeFile(t, awsCfg, orig)
	k.Vars["AWS_CONFIG_FILE"] = awsCfg

	mustRun(t, k, "configure", "aws-profile", "tip")
	mustRun(t, k, "--profile", "work", "auth", "set-aws-profile", "tip-data", "--s3ag", "s3://tip-sandbox-data/analysts/", "--permission", "readwrite")
	data, err := os.ReadFile(awsCfg)
	if err != nil {
		t.Fatal(err)
	}
	got := string(data)
	if !strings.HasPrefix(got, orig) {
		t.Errorf("existing lines changed:\n%s", got)
	}
	for _, want := range []string{
		"[profile tip]\ncredential_process = /usr/local/bin/tip-cli auth get-iam-credentials\nregion = us-east-1\n",
		"[profile tip-data]\ncredential_process = /usr/local/bin/tip-cli --profile work s3ag get-data-access s3://tip-sandbox-data/analysts/ --permission READWRITE\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("config lacks %q:\n%s", want, got)
		}
	}
	// Updating in place keeps the file otherwise identical.
	mustRun(t, k, "configure", "aws-profile", "tip")
	again, _ := os.ReadFile(awsCfg)
	if string(again) != got {
		t.Errorf("second write changed the file:\n%s", again)
	}
	if r := run(t, k, "configure", "aws-profile", "bad]name"); r.code != cmdutil.ExitUsage {
		t.Errorf("bad profile name accepted: %d %s", r.code, r.stderr)
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

func TestGenerateCFNTemplateErrors(t *testing.T) {
	t.Parallel()
	k := testkit.New(t, sandbox.EnvOptions{})
	for _, args := range [][]string{
		{"configure", "generate-cfn-template"},
		{"configure", "generate-cfn-template", "http://idp.example.com", "aud"},
		{"configure", "generate-cfn-template", "https://idp.example.com", "aud", "xyz"},
		{"configure", "generate-cfn-template", "https://idp.example.com", "aud", strings.Repeat("a", 40), "--services", "ec2"},
	} {
		r := run(t, k, args...)
		if r.code == 0 || r.stdout != "" || r.stderr == "" {
			t.Errorf("%v: code %d stdout %q stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
	r := mustRun(t, k, "configure", "generate-cfn-template", "https://idp.example.com/oauth2/default", "0oa1", strings.Repeat("AB", 20), "--format", "json")
	for _, want := range []string{`"AWS::IAM::OIDCProvider"`, `"sts:SetContext"`, `"idp.example.com/oauth2/default:aud"`, strings.Repeat("ab", 20)} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("template lacks %s", want)
		}
	}
}

// TestGenerateCFNTemplateFederation: the iam-federation template on stdout,
// the call that adds the context provider (which CloudFormation cannot set)
// on stderr only.
func TestGenerateCFNTemplateFederation(t *testing.T) {
	t.Parallel()
	k := testkit.New(t, sandbox.EnvOptions{})
	r := mustRun(t, k, "configure", "generate-cfn-template", "--tip-mode", "iam-federation", "--subject-claim", "sub",
		"https://idp.example.com/oauth2/default", "0oa1", strings.Repeat("AB", 20))
	for _, want := range []string{"AWS::IAM::OIDCProvider", "FederationRole", "MaxSessionDuration: 43200", `"idp.example.com/oauth2/default:aud"`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("template lacks %s", want)
		}
	}
	want := `aws iam update-open-id-connect-provider --open-id-connect-provider-arn "arn:aws:iam::$(aws sts get-caller-identity --query Account --output text):oidc-provider/idp.example.com/oauth2/default" --context-provider '{"SubjectSourceKey":"sub","SubjectTypeValue":"user"}'`
	if !strings.Contains(r.stderr, want+"\n") || strings.Contains(r.stdout, "update-open-id-connect-provider") {
		t.Errorf("stderr %q lacks\n%s", r.stderr, want)
	}
	bad := run(t, k, "configure", "generate-cfn-template", "--tip-mode", "iam-federation", "--services", "qbusiness",
		"https://idp.example.com/oauth2/default", "0oa1", strings.Repeat("AB", 20))
	if bad.code == 0 || bad.stdout != "" || !strings.Contains(bad.stderr, "identity-center") {
		t.Errorf("qbusiness in iam-federation: code %d stdout %q stderr %q", bad.code, bad.stdout, bad.stderr)
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
	own, err := json.Marshal(k.Env.Profile(testkit.FreeRedirectURI(t)))
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

// TestConfigureAWSProfileCredentialsFile: --credentials-file writes [NAME]
// into AWS_SHARED_CREDENTIALS_FILE, keeping the file's other lines, and
// leaves the config file alone; a profile holding static keys is refused.
func TestConfigureAWSProfileCredentialsFile(t *testing.T) {
	t.Parallel()
	k := testkit.New(t, sandbox.EnvOptions{})
	k.Configure(t, "default")
	dir := t.TempDir()
	awsCfg, creds := filepath.Join(dir, "config"), filepath.Join(dir, "credentials")
	orig := "# static keys of another account\n[legacy]\naws_access_key_id = AKIDLEGACY\naws_secret_access_key = s\n"
	writeFile(t, creds, orig)
	k.Vars["AWS_CONFIG_FILE"], k.Vars["AWS_SHARED_CREDENTIALS_FILE"] = awsCfg, creds

	r := mustRun(t, k, "configure", "aws-profile", "restic", "--credentials-file")
	if !strings.Contains(r.stderr, "✓ Added [restic] in "+creds) || strings.Contains(r.stderr, "warning") {
		t.Errorf("stderr: %s", r.stderr)
	}
	data, _ := os.ReadFile(creds)
	if want := orig + "\n[restic]\ncredential_process = /usr/local/bin/tip-cli auth get-iam-credentials\n"; string(data) != want {
		t.Errorf("credentials file:\n%s\nwant:\n%s", data, want)
	}
	if _, err := os.Stat(awsCfg); err == nil {
		t.Error("the config file was written too")
	}
	if r := run(t, k, "configure", "aws-profile", "legacy", "--credentials-file"); r.code == 0 || !strings.Contains(r.stderr, "holds aws_access_key_id") {
		t.Errorf("static profile overwritten: %d %s", r.code, r.stderr)
	}
}
