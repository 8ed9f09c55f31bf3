package diag_test

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/app"
	diagcmd "github.com/tip-cli/tip-cli/internal/cmd/diag"
	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/diag"
	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/sandbox/awsemu"
	"github.com/tip-cli/tip-cli/internal/testkit"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

type result struct {
	code           int
	stdout, stderr string
}

// fixture is a sandbox, a configured profile and an Identity Center
// configured by cfg, with administrator credentials in the environment.
type fixture struct {
	k  *testkit.Kit
	ic *awsemu.IdentityCenter
}

func start(t *testing.T, cfg awsemu.IdentityCenterConfig, configure bool) *fixture {
	t.Helper()
	k := testkit.New(t, sandbox.EnvOptions{})
	if configure {
		k.Configure(t, "default")
	}
	ic := awsemu.InstallIdentityCenter(k.Env.AWS, cfg)
	creds := ic.AdminCredentials()
	k.Vars["AWS_ACCESS_KEY_ID"] = creds.AccessKeyID
	k.Vars["AWS_SECRET_ACCESS_KEY"] = creds.SecretAccessKey
	k.Vars["AWS_SESSION_TOKEN"] = creds.SessionToken
	return &fixture{k: k, ic: ic}
}

func (f *fixture) run(t *testing.T, args ...string) result {
	t.Helper()
	f.k.Reset()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := app.Run(ctx, f.k.F, app.BuildInfo{Version: "test"}, args)
	return result{code: code, stdout: f.k.Out.String(), stderr: f.k.ErrOut.String()}
}

// mint returns an ID token of the sandbox IdP for alice, claims changed by mutate.
func (f *fixture) mint(t *testing.T, mutate func(map[string]any)) string {
	t.Helper()
	tok, err := f.k.Env.IdP.MintIDToken("alice@example.com", mutate)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// report runs diag --output json and decodes the report.
func (f *fixture) report(t *testing.T, args ...string) (diag.Report, result) {
	t.Helper()
	r := f.run(t, append([]string{"diag", "--output", "json"}, args...)...)
	var rep diag.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("stdout is not a JSON report (code %d, stderr %s): %v\n%s", r.code, r.stderr, err, r.stdout)
	}
	return rep, r
}

func status(rep diag.Report, id string) (diag.Check, bool) {
	for _, c := range rep.Checks {
		if c.ID == id {
			return c, true
		}
	}
	return diag.Check{}, false
}

// sanitize replaces the sandbox's random loopback URLs for golden files.
func (f *fixture) sanitize(s string) string {
	s = strings.ReplaceAll(s, f.k.Env.IdP.Issuer(), "http://IDP")
	return strings.ReplaceAll(s, f.k.Env.AWS.URL(), "http://AWS")
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if got != string(want) {
		t.Errorf("report differs from %s (run go test -update):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestDiagTextGolden(t *testing.T) {
	tests := []struct {
		name     string
		cfg      awsemu.IdentityCenterConfig
		wantCode int
	}{
		{"healthy", awsemu.IdentityCenterConfig{}, 0},
		{"misconfigured", awsemu.IdentityCenterConfig{
			ApplicationDisabled: true, Audiences: []string{"another-client"}, Users: []awsemu.IdentityStoreUser{},
			DenyOperations: []string{"ListApplicationAccessScopes"},
		}, cmdutil.ExitError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := start(t, tt.cfg, true)
			r := f.run(t, "diag", "--no-live", "-j", f.mint(t, nil))
			if r.code != tt.wantCode {
				t.Fatalf("code %d, want %d; stderr %s", r.code, tt.wantCode, r.stderr)
			}
			if r.stderr != "" {
				t.Errorf("stderr = %q", r.stderr)
			}
			golden(t, tt.name, f.sanitize(r.stdout))
		})
	}
}

func TestDiagIdentityCenterScenarios(t *testing.T) {
	const otherRole = "arn:aws:iam::123456789012:role/someone-else"
	tests := []struct {
		name   string
		cfg    awsemu.IdentityCenterConfig
		id     string
		want   diag.Status
		detail string
	}{
		{"app enabled", awsemu.IdentityCenterConfig{}, diag.IDAppEnabled, diag.StatusPass, ""},
		{"app disabled", awsemu.IdentityCenterConfig{ApplicationDisabled: true}, diag.IDAppEnabled, diag.StatusFail, "is DISABLED"},
		{"customer managed", awsemu.IdentityCenterConfig{}, diag.IDAppCustom, diag.StatusPass, ""},
		{"AWS managed", awsemu.IdentityCenterConfig{ApplicationProviderARN: "arn:aws:sso::aws:applicationProvider/athena"}, diag.IDAppCustom, diag.StatusFail, "applicationProvider/athena"},
		{"actor policy", awsemu.IdentityCenterConfig{}, diag.IDActorPolicy, diag.StatusPass, "tip-sandbox-oidc"},
		{"no actor policy", awsemu.IdentityCenterConfig{NoActorPolicy: true}, diag.IDActorPolicy, diag.StatusFail, "no IAM authentication method"},
		{"actor policy names another role", awsemu.IdentityCenterConfig{ActorRoleARN: otherRole}, diag.IDActorPolicy, diag.StatusFail, "someone-else, not the OIDC role"},
		{"actor policy lacks the action", awsemu.IdentityCenterConfig{ActorPolicy: map[string]any{"Statement": []any{map[string]any{"Effect": "Allow", "Principal": "*", "Action": "sso-oauth:CreateToken"}}}}, diag.IDActorPolicy, diag.StatusFail, "does not allow sso-oauth:CreateTokenWithIAM"},
		{"jwt-bearer grant", awsemu.IdentityCenterConfig{}, diag.IDGrant, diag.StatusPass, "tti-sandbox"},
		{"no jwt-bearer grant", awsemu.IdentityCenterConfig{NoJWTBearerGrant: true}, diag.IDGrant, diag.StatusFail, "no jwt-bearer grant"},
		{"audience missing", awsemu.IdentityCenterConfig{Audiences: []string{"another-client"}}, diag.IDGrant, diag.StatusFail, `lists the token's aud "tip-cli-sandbox"`},
		{"issuer URL", awsemu.IdentityCenterConfig{}, diag.IDTTIIssuer, diag.StatusPass, ""},
		{"issuer URL mismatch", awsemu.IdentityCenterConfig{IssuerURL: "https://idp.example.com/oauth2/default"}, diag.IDTTIIssuer, diag.StatusFail, "https://idp.example.com/oauth2/default"},
		{"claim present", awsemu.IdentityCenterConfig{}, diag.IDTTIClaim, diag.StatusPass, "email = alice@example.com"},
		{"claim absent", awsemu.IdentityCenterConfig{ClaimAttributePath: "employee_id"}, diag.IDTTIClaim, diag.StatusFail, `no "employee_id" claim`},
		{"user found", awsemu.IdentityCenterConfig{}, diag.IDUser, diag.StatusPass, sandbox.AliceUserID},
		{"user missing", awsemu.IdentityCenterConfig{Users: []awsemu.IdentityStoreUser{}}, diag.IDUser, diag.StatusFail, `no user with emails.value = "alice@example.com"`},
		{"user SCIM provisioned", awsemu.IdentityCenterConfig{}, diag.IDUserSCIM, diag.StatusPass, ""},
		{"user without ExternalIds", awsemu.IdentityCenterConfig{Users: []awsemu.IdentityStoreUser{{ID: sandbox.AliceUserID, UserName: "alice", Email: "alice@example.com"}}}, diag.IDUserSCIM, diag.StatusWarn, "no ExternalIds"},
		{"assignment not required", awsemu.IdentityCenterConfig{}, diag.IDAssignment, diag.StatusPass, "not required"},
		{"assigned directly", awsemu.IdentityCenterConfig{AssignmentRequired: true, AssignedUsers: []string{sandbox.AliceUserID}}, diag.IDAssignment, diag.StatusPass, "assigned directly"},
		{"assigned through a group", awsemu.IdentityCenterConfig{AssignmentRequired: true, AssignedGroups: []string{"other", "data-analysts"}}, diag.IDAssignment, diag.StatusPass, "through group data-analysts"},
		{"not assigned", awsemu.IdentityCenterConfig{AssignmentRequired: true, AssignedGroups: []string{"other"}}, diag.IDAssignment, diag.StatusFail, "is not assigned"},
		{"access scopes", awsemu.IdentityCenterConfig{AccessScopes: []awsemu.AccessScope{{Scope: "s3:access_grants:read_write"}, {Scope: "redshift:connect", Targets: []string{"arn:aws:sso::123456789012:application/ssoins-1111222233334444/apl-rs"}}}},
			diag.IDAccessScopes, diag.StatusPass, "any application: s3:access_grants:read_write"},
		{"no access scopes", awsemu.IdentityCenterConfig{NoAccessScopes: true}, diag.IDAccessScopes, diag.StatusWarn, "no access scopes"},
		{"DescribeApplication denied", awsemu.IdentityCenterConfig{DenyOperations: []string{"DescribeApplication"}}, diag.IDAppEnabled, diag.StatusError, "could not check: needs sso:DescribeApplication"},
		{"GetApplicationAuthenticationMethod denied", awsemu.IdentityCenterConfig{DenyOperations: []string{"GetApplicationAuthenticationMethod"}}, diag.IDActorPolicy, diag.StatusError, "needs sso:GetApplicationAuthenticationMethod"},
		{"DescribeInstance denied", awsemu.IdentityCenterConfig{DenyOperations: []string{"DescribeInstance"}}, diag.IDUser, diag.StatusError, "needs sso:DescribeInstance"},
		{"GetUserId denied", awsemu.IdentityCenterConfig{DenyOperations: []string{"GetUserId"}}, diag.IDUser, diag.StatusError, "needs identitystore:GetUserId"},
		{"group memberships denied", awsemu.IdentityCenterConfig{AssignmentRequired: true, AssignedGroups: []string{"data-analysts"}, DenyOperations: []string{"ListGroupMembershipsForMember"}}, diag.IDAssignment, diag.StatusError, "needs identitystore:ListGroupMembershipsForMember"},
	}
	f := start(t, awsemu.IdentityCenterConfig{}, true) // one sandbox, reconfigured per scenario
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.ic.Update(func(c *awsemu.IdentityCenterConfig) { *c = tt.cfg })
			rep, r := f.report(t, "--no-live", "-j", f.mint(t, nil))
			c, ok := status(rep, tt.id)
			if !ok {
				t.Fatalf("no check %s in %+v", tt.id, rep.Checks)
			}
			if c.Status != tt.want || !strings.Contains(c.Detail, tt.detail) {
				t.Errorf("%s = %s %q, want %s containing %q", tt.id, c.Status, c.Detail, tt.want, tt.detail)
			}
			if (c.Status == diag.StatusFail || c.Status == diag.StatusWarn) && c.Hint == "" {
				t.Errorf("%s %s without a hint", tt.id, c.Status)
			}
			wantCode := 0
			if rep.Summary.Failed > 0 {
				wantCode = cmdutil.ExitError
			}
			if r.code != wantCode || r.stderr != "" {
				t.Errorf("code %d (want %d), stderr %q", r.code, wantCode, r.stderr)
			}
		})
	}
}

func TestNewCmdDiagFlags(t *testing.T) {
	f := start(t, awsemu.IdentityCenterConfig{}, false)
	tok := f.mint(t, nil)
	app := "arn:aws:sso::123456789012:application/ssoins-1111222233334444/apl-5555666677778888"
	tests := []struct {
		name    string
		args    []string
		want    diagcmd.DiagOptions
		wantErr string
	}{
		{"defaults", []string{}, diagcmd.DiagOptions{Output: "text"}, ""},
		{"all flags", []string{"-j", tok, "-a", app, "-o", "json", "--no-live"}, diagcmd.DiagOptions{JWT: tok, ApplicationARN: app, Output: "json", NoLive: true}, ""},
		{"long flags", []string{"--jwt", tok, "--application-arn", app}, diagcmd.DiagOptions{JWT: tok, ApplicationARN: app, Output: "text"}, ""},
		{"not a JWT", []string{"-j", "hello"}, diagcmd.DiagOptions{}, "-j is not a JWT"},
		{"bad application", []string{"-a", "arn:aws:iam::123456789012:role/x"}, diagcmd.DiagOptions{}, "-a:"},
		{"bad output", []string{"-o", "yaml"}, diagcmd.DiagOptions{}, `invalid --output "yaml"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *diagcmd.DiagOptions
			cmd := diagcmd.NewCmdDiag(f.k.F, func(_ context.Context, o *diagcmd.DiagOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(f.k.ErrOut)
			cmd.SetErr(f.k.ErrOut)
			err := cmd.Execute()
			if tt.wantErr != "" {
				var fe *cmdutil.FlagError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errorsAs(err, &fe) {
					t.Fatalf("err = %v, want FlagError %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.JWT != tt.want.JWT || got.ApplicationARN != tt.want.ApplicationARN || got.Output != tt.want.Output || got.NoLive != tt.want.NoLive {
				t.Errorf("options = %+v", got)
			}
		})
	}
}

func errorsAs(err error, target **cmdutil.FlagError) bool {
	fe, ok := err.(*cmdutil.FlagError)
	*target = fe
	return ok
}

func TestDiagNotAJWTIsUsageError(t *testing.T) {
	f := start(t, awsemu.IdentityCenterConfig{}, true)
	for _, bad := range []string{"hello", "a.b", "eyJhbGciOiJub25lIn0.bm9wZQ.c2ln"} {
		r := f.run(t, "diag", "-j", bad)
		if r.code != cmdutil.ExitUsage || r.stdout != "" || !strings.Contains(r.stderr, "-j is not a JWT") {
			t.Errorf("-j %q: code %d stdout %q stderr %q", bad, r.code, r.stdout, r.stderr)
		}
		if strings.Contains(r.stderr, bad) && len(bad) > 10 {
			t.Errorf("the token was echoed on stderr")
		}
	}
}
