package diag_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/diag"
	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/sandbox/awsemu"
)

func TestDiagTokenScenarios(t *testing.T) {
	f := start(t, awsemu.IdentityCenterConfig{}, true)
	other := f.mint(t, func(c map[string]any) { c["email"] = "mallory@example.com" })
	tests := []struct {
		name   string
		token  func() string
		id     string
		want   diag.Status
		detail string
	}{
		{"expired", func() string {
			return f.mint(t, func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() })
		}, diag.IDJWTExpiry, diag.StatusFail, "expired at"},
		{"clock skew", func() string {
			return f.mint(t, func(c map[string]any) { c["iat"] = time.Now().Add(time.Hour).Unix() })
		}, diag.IDJWTExpiry, diag.StatusFail, "clock skew"},
		{"wrong audience", func() string {
			return f.mint(t, func(c map[string]any) { c["aud"] = "someone-else" })
		}, diag.IDJWTAudience, diag.StatusFail, `token aud is "someone-else"`},
		{"wrong issuer", func() string {
			return f.mint(t, func(c map[string]any) { c["iss"] = "https://login.example.com" })
		}, diag.IDJWTIssuer, diag.StatusFail, `token iss is "https://login.example.com"`},
		{"tampered signature", func() string {
			good := strings.Split(f.mint(t, nil), ".")
			return good[0] + "." + strings.Split(other, ".")[1] + "." + good[2]
		}, diag.IDJWTSignature, diag.StatusFail, "signature"},
		{"good signature", func() string { return f.mint(t, nil) }, diag.IDJWTSignature, diag.StatusPass, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := tt.token()
			rep, r := f.report(t, "--no-live", "-j", tok)
			c, _ := status(rep, tt.id)
			if c.Status != tt.want || !strings.Contains(c.Detail, tt.detail) {
				t.Errorf("%s = %s %q, want %s containing %q", tt.id, c.Status, c.Detail, tt.want, tt.detail)
			}
			if tt.want == diag.StatusFail && (r.code != cmdutil.ExitError || c.Hint == "") {
				t.Errorf("code %d hint %q", r.code, c.Hint)
			}
			if strings.Contains(r.stdout, strings.Split(tok, ".")[2]) {
				t.Error("the report contains the token's signature")
			}
		})
	}
}

func TestDiagWithoutProfile(t *testing.T) {
	f := start(t, awsemu.IdentityCenterConfig{}, false)
	rep, r := f.report(t, "--fetch-token-issuer", "-j", f.mint(t, nil), "-a", f.k.Env.AWS.ApplicationARN())
	if r.code != 0 {
		t.Fatalf("code %d: %s\n%s", r.code, r.stderr, r.stdout)
	}
	want := map[string]diag.Status{
		diag.IDProfile: diag.StatusSkip, diag.IDDiscovery: diag.StatusPass, diag.IDJWTSignature: diag.StatusPass,
		diag.IDJWTIssuer: diag.StatusSkip, diag.IDJWTAudience: diag.StatusSkip, diag.IDActorPolicy: diag.StatusPass,
		diag.IDGrant: diag.StatusPass, diag.IDUser: diag.StatusPass, diag.IDLiveWebIdentity: diag.StatusSkip,
	}
	for id, s := range want {
		if c, _ := status(rep, id); c.Status != s {
			t.Errorf("%s = %s %q, want %s", id, c.Status, c.Detail, s)
		}
	}
	if c, _ := status(rep, diag.IDActorPolicy); !strings.Contains(c.Detail, "OIDC role not compared") {
		t.Errorf("actor policy detail %q", c.Detail)
	}

	// Nothing at all to diagnose.
	r = f.run(t, "diag")
	if r.code != cmdutil.ExitError || !strings.Contains(r.stdout, "✗ Profile configuration is valid — tip-cli is not configured") {
		t.Errorf("no profile, no token: code %d\n%s", r.code, r.stdout)
	}
}

func TestDiagUnreachableIdP(t *testing.T) {
	f := start(t, awsemu.IdentityCenterConfig{}, false)
	tok := f.mint(t, func(c map[string]any) { c["iss"] = "http://127.0.0.1:1" })
	rep, r := f.report(t, "--no-live", "--fetch-token-issuer", "-j", tok)
	if c, _ := status(rep, diag.IDDiscovery); c.Status != diag.StatusFail || !strings.Contains(c.Hint, "http://127.0.0.1:1/.well-known/openid-configuration") {
		t.Errorf("discovery = %+v", c)
	}
	if c, _ := status(rep, diag.IDJWTSignature); c.Status != diag.StatusSkip {
		t.Errorf("signature = %+v", c)
	}
	if r.code != cmdutil.ExitError {
		t.Errorf("code %d", r.code)
	}
}

func TestDiagJSONShape(t *testing.T) {
	f := start(t, awsemu.IdentityCenterConfig{NoAccessScopes: true}, true)
	r := f.run(t, "diag", "--output", "json", "--no-live", "-j", f.mint(t, nil))
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("code %d stderr %q", r.code, r.stderr)
	}
	var raw struct {
		Checks  []map[string]json.RawMessage `json:"checks"`
		Summary map[string]int               `json:"summary"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &raw); err != nil {
		t.Fatal(err)
	}
	if len(raw.Checks) != 21 {
		t.Errorf("%d checks", len(raw.Checks))
	}
	for _, c := range raw.Checks {
		for _, k := range []string{"id", "title", "status"} {
			if _, ok := c[k]; !ok {
				t.Errorf("check without %s: %v", k, c)
			}
		}
	}
	for _, k := range []string{"passed", "failed", "warnings", "could_not_check", "skipped"} {
		if _, ok := raw.Summary[k]; !ok {
			t.Errorf("summary without %s", k)
		}
	}
	if raw.Summary["warnings"] != 1 || raw.Summary["failed"] != 0 {
		t.Errorf("summary = %v", raw.Summary)
	}
	var rep diag.Report
	_ = json.Unmarshal([]byte(r.stdout), &rep)
	if c, _ := status(rep, diag.IDActorPolicy); c.Data["actor_policy"] == nil {
		t.Errorf("actor policy data = %v", c.Data)
	}
	if c, _ := status(rep, diag.IDJWTDecode); c.Data["iss"] != f.k.Env.IdP.Issuer() || c.Data["alg"] != "RS256" {
		t.Errorf("jwt data = %v", c.Data)
	}
}

func TestDiagLive(t *testing.T) {
	f := start(t, awsemu.IdentityCenterConfig{}, true)

	rep, r := f.report(t)
	if c, _ := status(rep, diag.IDJWTDecode); c.Status != diag.StatusFail || !strings.Contains(c.Detail, "not signed in") {
		t.Errorf("not signed in: jwt-decode = %+v", c)
	}
	if c, _ := status(rep, diag.IDLiveToken); c.Status != diag.StatusSkip || !strings.Contains(c.Detail, "tip-cli auth") {
		t.Errorf("not signed in: live = %+v", c)
	}
	if r.code != cmdutil.ExitError {
		t.Errorf("code %d", r.code)
	}

	if r := f.run(t, "auth"); r.code != 0 {
		t.Fatalf("auth: %d %s", r.code, r.stderr)
	}
	refreshes := f.k.Env.IdP.Counts()["token:refresh_token"]
	rep, r = f.report(t)
	if r.code != 0 {
		t.Fatalf("healthy live: code %d\n%s", r.code, r.stdout)
	}
	for _, id := range []string{diag.IDLiveToken, diag.IDLiveWebIdentity, diag.IDLiveCreateToken, diag.IDLiveAssumeRole} {
		if c, _ := status(rep, id); c.Status != diag.StatusPass {
			t.Errorf("%s = %+v", id, c)
		}
	}
	if got := f.k.Env.IdP.Counts()["token:refresh_token"] - refreshes; got != 1 {
		t.Errorf("refreshes = %d, want 1", got)
	}
	if c, _ := status(rep, diag.IDLiveCreateToken); c.Data["user_id"] != sandbox.AliceUserID {
		t.Errorf("user = %v", c.Data)
	}

	steps := []struct {
		op, code, id, hint string
		status             int
	}{
		{"AssumeRoleWithWebIdentity", "InvalidIdentityToken", diag.IDLiveWebIdentity, "IAM OIDC provider", http.StatusBadRequest},
		{"CreateTokenWithIAM", "AccessDeniedException", diag.IDLiveCreateToken, "actor policy", http.StatusBadRequest},
		{"AssumeRole", "AccessDenied", diag.IDLiveAssumeRole, "sts:SetContext", http.StatusForbidden},
	}
	for _, s := range steps {
		t.Run(s.op, func(t *testing.T) {
			f.k.Env.AWS.FailNext(s.op, s.status, s.code, "refused by the test")
			rep, r := f.report(t)
			c, _ := status(rep, s.id)
			if c.Status != diag.StatusFail || !strings.HasPrefix(c.Detail, s.code) || !strings.Contains(c.Hint, s.hint) {
				t.Errorf("%s = %+v", s.id, c)
			}
			if r.code != cmdutil.ExitError {
				t.Errorf("code %d", r.code)
			}
			if s.id != diag.IDLiveAssumeRole {
				if c, _ := status(rep, diag.IDLiveAssumeRole); c.Status != diag.StatusSkip {
					t.Errorf("later step = %+v", c)
				}
			}
		})
	}

	rep, _ = f.report(t, "--no-live")
	if c, _ := status(rep, diag.IDLiveWebIdentity); c.Status != diag.StatusSkip || c.Detail != "--no-live" {
		t.Errorf("--no-live: %+v", c)
	}
	if c, _ := status(rep, diag.IDJWTDecode); c.Status != diag.StatusPass {
		t.Errorf("stored token: %+v", c)
	}

	f.k.Env.IdP.RevokeAll()
	rep, _ = f.report(t)
	if c, _ := status(rep, diag.IDLiveToken); c.Status != diag.StatusFail || c.Hint == "" {
		t.Errorf("revoked refresh: %+v", c)
	}
}
