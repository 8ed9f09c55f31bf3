package diag_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/diag"
	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/sandbox/awsemu"
	"github.com/tip-cli/tip-cli/internal/testkit"
)

// startFederation is a signed-in iam-federation profile on a sandbox set up
// by opts, with IAM read credentials for diag.
func startFederation(t *testing.T, opts sandbox.EnvOptions, duration time.Duration) *fixture {
	t.Helper()
	k := testkit.New(t, opts)
	k.ConfigureFederation(t, "default", duration)
	ic := awsemu.InstallIdentityCenter(k.Env.AWS, awsemu.IdentityCenterConfig{})
	creds := ic.AdminCredentials()
	k.Vars["AWS_ACCESS_KEY_ID"] = creds.AccessKeyID
	k.Vars["AWS_SECRET_ACCESS_KEY"] = creds.SecretAccessKey
	k.Vars["AWS_SESSION_TOKEN"] = creds.SessionToken
	f := &fixture{k: k, ic: ic}
	f.run(t, "auth", "--timeout", "20s") // may refuse the session; the sign-in is kept
	return f
}

// TestDiagFederationSetups: each broken federation setup is named, with its
// fix, by the IAM check and by the live walk of the same path.
func TestDiagFederationSetups(t *testing.T) {
	good := sandbox.EnvOptions{ContextProvider: sandbox.ContextProviderEmail()}
	tests := []struct {
		name     string
		opts     sandbox.EnvOptions
		duration time.Duration
		failing  map[string]string // check id → detail or hint fragment
	}{
		{"working", good, 12 * time.Hour, nil},
		{"no context provider", sandbox.EnvOptions{}, 0, map[string]string{
			diag.IDFedContext:        "update-open-id-connect-provider",
			diag.IDLiveFederatedRole: "does not carry you",
		}},
		{"wrong audience", sandbox.EnvOptions{ContextProvider: sandbox.ContextProviderEmail(), FederationAudience: "someone-else"}, 0, map[string]string{
			diag.IDFedRoleTrust:      ":aud",
			diag.IDLiveFederatedRole: "AccessDenied",
		}},
		{"subject claim missing", sandbox.EnvOptions{ContextProvider: &awsemu.ContextProvider{SubjectSourceKey: "employee_id", SubjectTypeValue: "user"}}, 0, map[string]string{
			diag.IDFedClaim: "no employee_id claim",
		}},
		{"duration over the role's maximum", sandbox.EnvOptions{ContextProvider: sandbox.ContextProviderEmail(), FederationMaxSession: time.Hour}, 2 * time.Hour, map[string]string{
			diag.IDFedRoleMaxDur:     "MaxSessionDuration is 3600 s",
			diag.IDLiveFederatedRole: "MaxSessionDuration",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := startFederation(t, tt.opts, tt.duration)
			rep, r := f.report(t)
			for _, c := range rep.Checks {
				want, shouldFail := tt.failing[c.ID]
				switch {
				case shouldFail && c.Status != diag.StatusFail:
					t.Errorf("%s = %s %q, want a failure", c.ID, c.Status, c.Detail)
				case shouldFail && !strings.Contains(c.Detail+" "+c.Hint, want):
					t.Errorf("%s: detail %q hint %q, want %q", c.ID, c.Detail, c.Hint, want)
				case shouldFail && c.Hint == "":
					t.Errorf("%s fails without a fix", c.ID)
				case !shouldFail && c.Status == diag.StatusFail && strings.HasPrefix(c.ID, "iam-"):
					t.Errorf("%s failed unexpectedly: %s (%s)", c.ID, c.Detail, c.Hint)
				}
			}
			if tt.failing == nil {
				if r.code != 0 {
					t.Errorf("working setup: exit %d\n%s", r.code, r.stdout)
				}
				if c, _ := status(rep, diag.IDLiveFederatedRole); c.Status != diag.StatusPass {
					t.Errorf("live federated role = %s %q", c.Status, c.Detail)
				}
			}
			if strings.Contains(r.stdout, sandbox.AliceEmail+`"`) && strings.Contains(r.stdout, `"subject"`) {
				t.Error("the report names the session's subject")
			}
		})
	}
}
