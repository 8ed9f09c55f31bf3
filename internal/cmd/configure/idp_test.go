package configure

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/config"
)

const goodOkta = `{"okta_url":"https://example.okta.com/oauth2/default","okta_client_id":"0oa1",
"token_exchange_application_arn":"arn:aws:sso::123456789012:application/ssoins-1111222233334444/apl-5555666677778888",
"oidc_role_arn":"arn:aws:iam::123456789012:role/tip-oidc",
"id_enhanced_role_arn":"arn:aws:iam::123456789012:role/tip-id-enhanced","region":"eu-west-1"}`

func (w *world) idp(profile string) *IdPOptions {
	return &IdPOptions{IO: w.ios, Profile: profile, ConfigDir: w.configDir, LoadConfig: w.loadConfig}
}

// TestIdPFromJSON: --config as JSON or a file saves the profile and says
// so on stderr; bad input is a usage error that leaves config.json as it
// was, with nothing on stdout.
func TestIdPFromJSON(t *testing.T) {
	t.Parallel()
	bad := func(from, to string) string { return strings.Replace(goodOkta, from, to, 1) }
	file := filepath.Join(t.TempDir(), "work.json")
	if err := os.WriteFile(file, []byte(goodOkta), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, provider, config string
		wantErr                string // "" saves the profile
	}{
		{"okta", "okta", goodOkta, ""},
		{"file", "okta", file, ""},
		{"file URL", "okta", "file://" + file, ""},
		{"malformed JSON", "okta", `{"okta_url":`, "malformed JSON"},
		{"unknown provider", "ping", goodOkta, `unknown provider "ping"`},
		{"non-ARN role", "okta", bad(oidcRole, "tip-oidc"), "oidc_role_arn"},
		{"http issuer off loopback", "okta", bad("https://example", "http://example"), "must use https"},
		{"missing client id", "okta", bad(`"okta_client_id":"0oa1",`, ""), "client id is required"},
		{"missing file", "okta", "/nonexistent/x.json", "neither JSON nor a readable file"},
		{"a directory", "okta", t.TempDir(), "--config"},
		{"no config, no terminal", "okta", "", "refusing to prompt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			prev := &config.Profile{Provider: "oidc", IssuerURL: "https://idp.example.com", ClientID: "c",
				TokenExchangeApplicationARN: appARN, OIDCRoleARN: oidcRole, IDEnhancedRoleARN: idRole, Region: "us-east-1"}
			w.save(t, map[string]*config.Profile{"default": prev}, nil)
			before := w.saved(t)
			opts := w.idp("default")
			opts.Provider, opts.Config = tt.provider, tt.config
			err := idpRun(context.Background(), opts)
			if w.out.Len() != 0 {
				t.Errorf("stdout %q", w.out)
			}
			if tt.wantErr != "" {
				var fe *cmdutil.FlagError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &fe) {
					t.Fatalf("err = %v, want a usage error with %q", err, tt.wantErr)
				}
				if w.saved(t) != before {
					t.Error("a failed configure changed the saved config")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := "✓ Saved profile default (okta, " + oktaURL + ")\n"; w.errOut.String() != want {
				t.Errorf("stderr %q, want %q", w.errOut, want)
			}
			if p := w.load(t).Profiles["default"]; !reflect.DeepEqual(p, oktaProfile("eu-west-1")) {
				t.Errorf("saved %+v", p)
			}
		})
	}
}

// TestIdPPrompts: on a terminal every setting is asked for, bad answers
// are asked again, the saved values are the next run's defaults, a switch
// to iam-federation asks only for what that mode needs, and input ending
// early saves nothing.
func TestIdPPrompts(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.answer(
		"", // no shared sign-in
		"okta",
		"http://example.okta.com", // rejected: plain http off loopback
		oktaURL,
		"0oa1",
		"",           // TIP mode: the default, identity-center
		"not-an-arn", // rejected
		appARN, oidcRole, idRole,
		"us-west-2",
		"9000",
	)
	if err := idpRun(context.Background(), w.idp("work")); err != nil {
		t.Fatal(err)
	}
	if strings.Count(w.errOut.String(), "✗") != 2 || !strings.HasPrefix(w.errOut.String(), `Configuring tip-cli profile "work"`) {
		t.Errorf("want two rejected answers, stderr:\n%s", w.errOut)
	}
	want := oktaProfile("us-west-2")
	want.RedirectURI = "http://localhost:9000/callback"
	p := w.load(t).Profiles["work"]
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("profile %+v, want %+v", p, want)
	}

	// Re-running shows the saved values as defaults: Enter keeps them all.
	w.reset()
	w.answer(strings.Split(strings.Repeat("\n", 11), "\n")...)
	if err := idpRun(context.Background(), w.idp("work")); err != nil {
		t.Fatal(err)
	}
	if got := w.load(t).Profiles["work"]; !reflect.DeepEqual(got, p) {
		t.Errorf("defaults not kept: %+v", got)
	}
	if !strings.Contains(w.errOut.String(), "Identity provider (okta, entra-id, cognito, oidc) [okta]: ") {
		t.Errorf("the saved provider is not the default:\n%s", w.errOut)
	}

	// The same profile switched to iam-federation: only its role, region
	// and session length are asked; the Identity Center ARNs are dropped.
	w.reset()
	w.answer("", "", "", "", "iam-federation", fedRole, "", "50000", "43200", "")
	if err := idpRun(context.Background(), w.idp("work")); err != nil || strings.Count(w.errOut.String(), "✗") != 1 {
		t.Fatalf("federation: %v (want one rejected duration): %s", err, w.errOut)
	}
	if f := w.load(t).Profiles["work"]; f.TIPMode() != config.TIPModeIAMFederation || f.RoleARN != fedRole ||
		f.DurationSeconds != 43200 || f.OIDCRoleARN != "" || f.TokenExchangeApplicationARN != "" || f.Region != "us-west-2" {
		t.Errorf("federation profile saved as %+v", f)
	}

	// Input ending early aborts without saving.
	before := w.saved(t)
	w.answer("", "oidc")
	if err := idpRun(context.Background(), w.idp("other")); err == nil || !strings.Contains(err.Error(), "configuration aborted: input ended") {
		t.Fatalf("truncated input: %v", err)
	}
	if w.saved(t) != before {
		t.Error("an aborted configure changed the saved config")
	}
}

// TestIdPSharedSignInPrompts: answering a new sign-in name creates it from
// the answers; answering an existing one offers its settings as the
// defaults, so Enter picks it and only the AWS side is asked for.
func TestIdPSharedSignInPrompts(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	aws := []string{"", appARN, oidcRole, idRole, "us-west-2"}
	w.answer(append(append([]string{"corp", "okta", oktaURL, "0oa1"}, aws...), "9000")...)
	if err := idpRun(context.Background(), w.idp("dev")); err != nil {
		t.Fatal(err)
	}
	second := append([]string{"corp", "", "", ""}, aws...)
	second[len(second)-1] = "eu-west-1"
	w.reset()
	w.answer(append(second, "")...)
	if err := idpRun(context.Background(), w.idp("prod")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(w.errOut.String(), "configured: corp") || !strings.Contains(w.errOut.String(), "["+oktaURL+"]") {
		t.Errorf("prompt does not offer the sign-in and its settings:\n%s", w.errOut)
	}
	if !strings.HasSuffix(w.errOut.String(), "✓ Saved profile prod (okta, "+oktaURL+"; sign-in corp shared by dev, prod)\n") {
		t.Errorf("saved line:\n%s", w.errOut)
	}
	cfg := w.load(t)
	if si := cfg.SignIns["corp"]; si == nil || si.OktaClientID != "0oa1" || si.Redirect() != "http://localhost:9000/callback" {
		t.Fatalf("sign-in corp = %+v", si)
	}
	if got := cfg.SignInProfiles("corp"); !reflect.DeepEqual(got, []string{"dev", "prod"}) {
		t.Errorf("profiles on corp = %v", got)
	}
	if p := cfg.Profiles["prod"]; p.Region != "eu-west-1" || p.OktaURL != "" || p.SignIn != "corp" {
		t.Errorf("prod saved as %+v", p)
	}
}

// TestIdPSignInFlag: --sign-in with a bad name is a usage error before
// anything is read or written.
func TestIdPSignInFlag(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	opts := w.idp("dev")
	opts.Provider, opts.Config, opts.SignIn = "okta", goodOkta, "a/b"
	var fe *cmdutil.FlagError
	if err := idpRun(context.Background(), opts); err == nil || !strings.HasPrefix(err.Error(), "--sign-in: ") || !errors.As(err, &fe) {
		t.Fatalf("err = %v", err)
	}
	if w.saved(t) != "" || w.errOut.Len() != 0 {
		t.Errorf("config %q stderr %q", w.saved(t), w.errOut)
	}
}
