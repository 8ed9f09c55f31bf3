package configure

import (
	"fmt"
	"strings"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/config"
)

// placeProfile puts p into cfg as profile name. With a sign-in name, p's
// IdP settings become (or replace) that shared sign-in when p carries any,
// else p picks the existing sign-in; the profile keeps the rest. Every
// profile on the sign-in is validated with the result, since a changed
// sign-in changes them all.
func placeProfile(cfg *config.File, name, signIn string, p *config.Profile) (*config.Profile, error) {
	if signIn == "" {
		if err := p.Validate(); err != nil {
			return nil, err
		}
		cfg.Profiles[name] = p
		return p, nil
	}
	if err := config.ValidateSignInName(signIn); err != nil {
		return nil, err
	}
	si := p.IdPSettings()
	if !p.HasIdPKeys() {
		if si = cfg.SignIns[signIn]; si == nil {
			return nil, fmt.Errorf("sign-in %q is not configured yet: give its identity provider settings too", signIn)
		}
	}
	prof := p.WithoutIdP()
	prof.SignIn = signIn
	if cfg.SignIns == nil {
		cfg.SignIns = map[string]*config.Profile{}
	}
	cfg.SignIns[signIn], cfg.Profiles[name] = si, prof
	for _, n := range cfg.SignInProfiles(signIn) {
		rp, err := cfg.Profile(n)
		if err == nil {
			err = rp.Validate()
		}
		if err != nil {
			return nil, fmt.Errorf("profile %q on sign-in %q: %w", n, signIn, err)
		}
	}
	return cfg.Profile(name)
}

// promptSignIn asks which shared sign-in the profile uses ("" for its
// own), offering the configured ones.
func promptSignIn(p *prompter, cfg *config.File, cur string) (string, error) {
	label := "Shared sign-in name (empty: this profile signs in on its own)"
	if names := cfg.SignInNames(); len(names) > 0 {
		label = "Shared sign-in name (configured: " + strings.Join(names, ", ") + "; empty: this profile signs in on its own)"
	}
	return p.ask(label, cur, func(s string) error {
		if s == "" {
			return nil
		}
		return config.ValidateSignInName(s)
	})
}

// signInSummary is the "✓ Saved" line's mention of a shared sign-in.
func signInSummary(cfg *config.File, p *config.Profile) string {
	if p.SignIn == "" {
		return ""
	}
	return fmt.Sprintf("; sign-in %s shared by %s", p.SignIn, strings.Join(cfg.SignInProfiles(p.SignIn), ", "))
}

// flagInvalid wraps a configuration error for --config input.
func flagInvalid(err error) error {
	return &cmdutil.FlagError{Err: fmt.Errorf("invalid configuration: %w", err)}
}
