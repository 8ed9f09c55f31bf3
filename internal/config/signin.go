package config

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
)

// Shared sign-ins (the AWS CLI's [sso-session]). config.json may hold
//
//	"sign_ins": {"corp": {"provider": "okta", "okta_url": "…", "okta_client_id": "…"}},
//	"profiles": {"dev":  {"sign_in": "corp", "token_exchange_application_arn": "…", …},
//	             "prod": {"sign_in": "corp", …}}
//
// A sign-in holds the IdP settings only (provider and preset keys, issuer,
// client id, scopes, redirect, prompt, flow); each profile keeps its own
// application ARN, roles, region and session policies. A profile without
// "sign_in" is its own sign-in, as every profile was before (the Python
// tool's flat config.json included), so old configs need no migration.

// Sign-in flows a sign-in (or a profile that is its own sign-in) may
// select in "flow". FlowAuto, the default, picks one from where tip-cli
// runs (internal/signinflow): the browser on a desktop, else the device
// flow when the IdP offers it, else the paste flow.
const (
	FlowAuto    = "auto"
	FlowBrowser = "browser"
	FlowDevice  = "device"
	FlowPaste   = "paste"
)

// Flows lists the values of "flow" (and of --flow).
func Flows() []string { return []string{FlowAuto, FlowBrowser, FlowDevice, FlowPaste} }

// SignInFlow returns the profile's flow setting, FlowAuto when unset.
func (p *Profile) SignInFlow() string {
	if p.Flow == "" {
		return FlowAuto
	}
	return p.Flow
}

// ValidateFlow checks a flow setting; "" means FlowAuto.
func ValidateFlow(flow string) error {
	if flow != "" && !slices.Contains(Flows(), flow) {
		return fmt.Errorf("flow %q must be one of %s", flow, strings.Join(Flows(), ", "))
	}
	return nil
}

// maxSignInName bounds a sign-in name: names appear in store and lock
// names and in messages.
const maxSignInName = 64

// ValidateSignInName checks the name of a shared sign-in.
func ValidateSignInName(name string) error {
	if len(name) > maxSignInName || !isSignInName(name) {
		return fmt.Errorf("sign-in name %q: use up to %d letters, digits, '.', '_' or '-', starting with a letter or digit", name, maxSignInName)
	}
	return nil
}

// IdPSettings returns a profile holding only p's IdP settings: what a
// shared sign-in keeps.
func (p *Profile) IdPSettings() *Profile {
	var s Profile
	copyIdP(&s, p)
	return s.normalized()
}

// WithoutIdP returns a copy of p without its IdP settings: what a profile
// on a shared sign-in keeps.
func (p *Profile) WithoutIdP() *Profile {
	c := *p
	copyIdP(&c, &Profile{})
	return &c
}

// WithIdP returns a copy of p with the IdP settings of s in place of its
// own.
func (p *Profile) WithIdP(s *Profile) *Profile {
	c := *p
	copyIdP(&c, s)
	return &c
}

// HasIdPKeys reports whether p sets an issuer or client id of any preset:
// a configuration that defines a sign-in, not one that only picks one.
func (p *Profile) HasIdPKeys() bool {
	s := p.IdPSettings()
	s.Provider, s.Scopes, s.RedirectURI, s.Prompt, s.Flow = "", nil, "", "", ""
	return !reflect.DeepEqual(s, &Profile{})
}

// copyIdP copies every IdP setting of src into dst (the list a sign-in
// holds; a new IdP setting is added here).
func copyIdP(dst, src *Profile) {
	dst.Provider = src.Provider
	dst.OktaURL, dst.OktaClientID = src.OktaURL, src.OktaClientID
	dst.EntraTenantID, dst.EntraClientID = src.EntraTenantID, src.EntraClientID
	dst.CognitoDomain, dst.CognitoPoolID, dst.CognitoClient = src.CognitoDomain, src.CognitoPoolID, src.CognitoClient
	dst.IssuerURL, dst.ClientID = src.IssuerURL, src.ClientID
	dst.Scopes = append([]string(nil), src.Scopes...)
	dst.RedirectURI, dst.Prompt, dst.Flow = src.RedirectURI, src.Prompt, src.Flow
}

// normalized makes an empty scope list nil, so equal settings compare
// equal.
func (p *Profile) normalized() *Profile {
	if len(p.Scopes) == 0 {
		p.Scopes = nil
	}
	return p
}

// checkSignIns checks the parsed sign-ins: valid names, no nulls, and only
// IdP settings in each (a role or application ARN there would be silently
// ignored otherwise). References from profiles are checked when a profile
// is used (Profile), so one dangling reference does not break the others.
func (f *File) checkSignIns() error {
	for name, s := range f.SignIns {
		if s == nil {
			return fmt.Errorf("sign-in %q is null", name)
		}
		if err := ValidateSignInName(name); err != nil {
			return err
		}
		whole := *s
		if !reflect.DeepEqual(s.IdPSettings(), whole.normalized()) {
			return fmt.Errorf("sign-in %q sets profile keys (application, roles, region, session policies, sign_in): set those on each profile", name)
		}
	}
	for name := range f.Profiles {
		if err := ValidateProfileName(name); err != nil {
			return err
		}
	}
	return nil
}

// resolve returns the profile as used: for a profile on a shared sign-in a
// copy with the sign-in's IdP settings in place of its own.
func (f *File) resolve(name string, p *Profile) (*Profile, error) {
	if p.SignIn == "" {
		return p, nil
	}
	s, ok := f.SignIns[p.SignIn]
	if !ok {
		return nil, fmt.Errorf("profile %q uses sign-in %q, which is not configured: run `tip-cli --profile %s configure idp --sign-in %s`",
			name, p.SignIn, name, p.SignIn)
	}
	return p.WithIdP(s), nil
}

// SignInProfiles returns the profiles using the shared sign-in name,
// sorted.
func (f *File) SignInProfiles(name string) []string {
	var out []string
	for n, p := range f.Profiles {
		if p.SignIn == name {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// SignInNames returns the shared sign-ins' names, sorted.
func (f *File) SignInNames() []string {
	names := make([]string, 0, len(f.SignIns))
	for n := range f.SignIns {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
