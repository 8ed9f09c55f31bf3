package configure

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/cred"
	"github.com/tip-cli/tip-cli/internal/store"
)

// TestList: the table of profiles on stdout, a shared sign-in's settings
// shown for the profiles on it, and a hint on stderr when there are none.
func TestList(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	opts := &ListOptions{IO: w.ios, LoadConfig: w.loadConfig}
	if err := listRun(opts); err != nil {
		t.Fatal(err)
	}
	if w.out.Len() != 0 || w.errOut.String() != "No profiles: run `tip-cli configure idp`\n" {
		t.Fatalf("no profiles: stdout %q stderr %q", w.out, w.errOut)
	}
	fed := &config.Profile{Provider: "oidc", IssuerURL: "https://idp.example.com", ClientID: "c",
		Mode: config.TIPModeIAMFederation, RoleARN: fedRole, Region: "eu-west-1"}
	shared := &config.Profile{SignIn: "corp", TokenExchangeApplicationARN: appARN, OIDCRoleARN: oidcRole, IDEnhancedRoleARN: idRole, Region: "us-east-1"}
	w.save(t, map[string]*config.Profile{"default": oktaProfile("us-west-2"), "fed": fed, "prod": shared},
		map[string]*config.Profile{"corp": {Provider: "okta", OktaURL: "https://corp.okta.com", OktaClientID: "0oa2"}})
	w.reset()
	if err := listRun(opts); err != nil {
		t.Fatal(err)
	}
	want := "PROFILE  SIGN-IN  PROVIDER  ISSUER                                   TIP MODE         REGION\n" +
		"default  -        okta      https://example.okta.com/oauth2/default  identity-center  us-west-2\n" +
		"fed      -        oidc      https://idp.example.com                  iam-federation   eu-west-1\n" +
		"prod     corp     okta      https://corp.okta.com                    identity-center  us-east-1\n"
	if w.out.String() != want || w.errOut.Len() != 0 {
		t.Errorf("stdout\n%s\nwant\n%s\nstderr %q", w.out, want, w.errOut)
	}
}

func (w *world) show(profile, output string) *ShowOptions {
	return &ShowOptions{IO: w.ios, Profile: profile, LoadConfig: w.loadConfig, Output: output}
}

// TestShow: one row per setting of the profile's TIP mode, a problem row
// for a profile that would not validate, JSON with the resolved sign-in,
// and the not-configured error for an unknown profile.
func TestShow(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	bad := oktaProfile("us-east-1")
	bad.OIDCRoleARN = "tip-oidc"
	w.save(t, map[string]*config.Profile{
		"default": oktaProfile("us-west-2"),
		"fed": {Provider: "oidc", IssuerURL: "https://idp.example.com", ClientID: "c", Mode: config.TIPModeIAMFederation,
			RoleARN: fedRole, DurationSeconds: 7200, Region: "eu-west-1"},
		"bad":  bad,
		"prod": {SignIn: "corp", TokenExchangeApplicationARN: appARN, OIDCRoleARN: oidcRole, IDEnhancedRoleARN: idRole, Region: "us-east-1"},
	}, map[string]*config.Profile{"corp": {Provider: "okta", OktaURL: "https://corp.okta.com", OktaClientID: "0oa2"}})

	if err := showRun(w.show("default", "text")); err != nil {
		t.Fatal(err)
	}
	want := `profile:                 default
sign-in:                 
provider:                okta
issuer:                  https://example.okta.com/oauth2/default
client id:               0oa1
scopes:                  [openid email profile offline_access]
redirect uri:            http://localhost:8090/callback
sign-in flow:            auto
tip mode:                identity-center
application:             ` + appARN + `
OIDC role:               ` + oidcRole + `
identity-enhanced role:  ` + idRole + `
region:                  us-west-2
`
	if w.out.String() != want {
		t.Errorf("show default:\n%s\nwant\n%s", w.out, want)
	}

	w.reset()
	if err := showRun(w.show("fed", "text")); err != nil {
		t.Fatal(err)
	}
	for _, row := range []string{"tip mode:                  iam-federation\n", "role:                      " + fedRole + "\n",
		"session duration:          7200s\n", "identity center instance:  \n"} {
		if !strings.Contains(w.out.String(), row) {
			t.Errorf("show fed lacks %q:\n%s", row, w.out)
		}
	}
	if strings.Contains(w.out.String(), "OIDC role") {
		t.Errorf("show fed lists the Identity Center roles:\n%s", w.out)
	}

	w.reset()
	if err := showRun(w.show("bad", "text")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(w.out.String(), "\nproblem:                 oidc_role_arn") {
		t.Errorf("show bad has no problem row:\n%s", w.out)
	}

	w.reset()
	if err := showRun(w.show("prod", "json")); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"sign_in": "corp"`, `"okta_url": "https://corp.okta.com"`, `"region": "us-east-1"`} {
		if !strings.Contains(w.out.String(), want) {
			t.Errorf("show json lacks %s:\n%s", want, w.out)
		}
	}

	w.reset()
	var nc *config.NotConfiguredError
	if err := showRun(w.show("nope", "text")); !errors.As(err, &nc) || w.out.Len() != 0 {
		t.Errorf("unknown profile: %v, stdout %q", err, w.out)
	}
}

func (w *world) delete(profile, signIn string) *DeleteOptions {
	return &DeleteOptions{IO: w.ios, ConfigDir: w.configDir, LoadConfig: w.loadConfig,
		DeleteSecrets: w.factory().DeleteSecrets, Profile: profile, SignIn: signIn}
}

// signedIn stores tokens under key, as a sign-in would.
func (w *world) signedIn(t *testing.T, key string) {
	t.Helper()
	b := &store.Bundle{IdP: &cred.Tokens{IDToken: "id-" + key, RefreshToken: "rt-" + key, Expiry: time.Now().Add(time.Hour)}}
	if err := w.store.Put(context.Background(), key, b); err != nil {
		t.Fatal(err)
	}
}

func (w *world) stored(t *testing.T, key string) bool {
	t.Helper()
	b, err := w.store.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return b != nil
}

// TestDelete: deleting a profile removes its secrets and its entry; the
// last profile on a shared sign-in takes the sign-in's tokens with it (not
// its settings), an earlier one leaves them; an unknown profile is an
// error that changes nothing.
func TestDelete(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	onCorp := func() *config.Profile {
		return &config.Profile{SignIn: "corp", TokenExchangeApplicationARN: appARN, OIDCRoleARN: oidcRole, IDEnhancedRoleARN: idRole, Region: "us-east-1"}
	}
	w.save(t, map[string]*config.Profile{"default": oktaProfile("us-west-2"), "dev": onCorp(), "prod": onCorp()},
		map[string]*config.Profile{"corp": {Provider: "okta", OktaURL: "https://corp.okta.com", OktaClientID: "0oa2"}})
	for _, key := range []string{"default", "dev", "prod", store.SignInKey("corp")} {
		w.signedIn(t, key)
	}

	if err := deleteRun(context.Background(), w.delete("default", "")); err != nil {
		t.Fatal(err)
	}
	if w.errOut.String() != "✓ Deleted profile default\n" || w.out.Len() != 0 {
		t.Errorf("stdout %q stderr %q", w.out, w.errOut)
	}
	if w.stored(t, "default") || w.load(t).Profiles["default"] != nil {
		t.Error("profile default or its tokens remain")
	}
	if err := deleteRun(context.Background(), w.delete("dev", "")); err != nil {
		t.Fatal(err)
	}
	if !w.stored(t, store.SignInKey("corp")) {
		t.Error("deleting dev removed the tokens prod still signs in with")
	}
	if err := deleteRun(context.Background(), w.delete("prod", "")); err != nil {
		t.Fatal(err)
	}
	if w.stored(t, "prod") || w.stored(t, store.SignInKey("corp")) {
		t.Error("the last profile on corp left its tokens or the sign-in's")
	}
	if cfg := w.load(t); len(cfg.Profiles) != 0 || cfg.SignIns["corp"] == nil {
		t.Errorf("profiles %v, sign-ins %v: want none, and corp's settings kept", cfg.Names(), cfg.SignInNames())
	}

	before := w.saved(t)
	var nc *config.NotConfiguredError
	if err := deleteRun(context.Background(), w.delete("nope", "")); !errors.As(err, &nc) || w.saved(t) != before {
		t.Errorf("delete unknown: %v", err)
	}
}

// TestDeleteSignIn: a sign-in profiles still use is refused, naming them,
// and stays; an unused one loses its settings and its tokens.
func TestDeleteSignIn(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.save(t, map[string]*config.Profile{
		"dev":   {SignIn: "corp", TokenExchangeApplicationARN: appARN, OIDCRoleARN: oidcRole, IDEnhancedRoleARN: idRole, Region: "us-east-1"},
		"stage": {SignIn: "corp", TokenExchangeApplicationARN: appARN, OIDCRoleARN: oidcRole, IDEnhancedRoleARN: idRole, Region: "us-east-1"},
	}, map[string]*config.Profile{
		"corp": {Provider: "okta", OktaURL: "https://corp.okta.com", OktaClientID: "0oa2"},
		"lab":  {Provider: "oidc", IssuerURL: "https://lab.example.com", ClientID: "c"},
	})
	w.signedIn(t, store.SignInKey("corp"))
	w.signedIn(t, store.SignInKey("lab"))
	before := w.saved(t)
	err := deleteSignInRun(context.Background(), w.delete("", "corp"))
	if err == nil || err.Error() != `sign-in "corp" is used by profile dev, stage: delete those first, or move them with `+"`configure idp`" {
		t.Fatalf("delete a sign-in in use: %v", err)
	}
	var fe *cmdutil.FlagError
	if errors.As(err, &fe) {
		t.Error("a refusal at run time reported as a usage error")
	}
	if w.saved(t) != before || !w.stored(t, store.SignInKey("corp")) {
		t.Error("a refused delete changed something")
	}
	if err := deleteSignInRun(context.Background(), w.delete("", "lab")); err != nil {
		t.Fatal(err)
	}
	if w.errOut.String() != "✓ Deleted sign-in lab\n" || w.stored(t, store.SignInKey("lab")) || w.load(t).SignIns["lab"] != nil {
		t.Errorf("lab not deleted: stderr %q", w.errOut)
	}
	if err := deleteSignInRun(context.Background(), w.delete("", "lab")); err == nil || err.Error() != `sign-in "lab" is not configured` {
		t.Errorf("delete it again: %v", err)
	}
}
