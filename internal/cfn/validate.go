package cfn

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tip-cli/tip-cli/internal/issuerurl"
)

// validate checks opts, fills in defaults and returns the selected services
// in template order.
func validate(opts *Options) ([]string, error) {
	if err := validateIssuer(opts.IssuerURL); err != nil {
		return nil, err
	}
	if err := validateAudiences(opts.Audiences); err != nil {
		return nil, err
	}
	if err := validateThumbprints(opts.Thumbprints); err != nil {
		return nil, err
	}
	federation := opts.Mode == ModeIAMFederation
	if !federation && opts.Mode != "" && opts.Mode != ModeIdentityCenter {
		return nil, fmt.Errorf("unknown tip mode %q (valid: %s)", opts.Mode, strings.Join(Modes(), ", "))
	}
	switch d := opts.MaxSessionDuration; {
	case d == 0 && federation:
		opts.MaxSessionDuration = DefaultFederationMaxSession
	case d == 0:
		opts.MaxSessionDuration = DefaultMaxSessionDuration
	case d < MinMaxSessionDuration || d > MaxMaxSessionDuration:
		return nil, fmt.Errorf("max session duration %d s out of range %d..%d", d, MinMaxSessionDuration, MaxMaxSessionDuration)
	}
	if !federation {
		return selectServices(opts.Services, ValidServices())
	}
	if err := validateContextOptions(*opts); err != nil {
		return nil, err
	}
	if slices.Contains(opts.Services, ServiceQBusiness) {
		return nil, fmt.Errorf("service %q accepts only Identity Center identities: use tip mode %s", ServiceQBusiness, ModeIdentityCenter)
	}
	if len(opts.Services) == 0 {
		return []string{ServiceAthena, ServiceRedshiftData}, nil // the services known to accept such sessions
	}
	return selectServices(opts.Services, federationServices())
}

func validateIssuer(issuer string) error {
	if issuer == "" {
		return fmt.Errorf("issuer url is required")
	}
	if err := issuerurl.Validate(issuer); err != nil {
		return fmt.Errorf("issuer url: %w", err)
	}
	if strings.ContainsAny(issuer, " \t\r\n") {
		return fmt.Errorf("issuer url %q must not contain whitespace", issuer)
	}
	return nil
}

func validateAudiences(auds []string) error {
	if len(auds) == 0 {
		return fmt.Errorf("no audience: at least one client id is required")
	}
	if len(auds) > MaxAudiences {
		return fmt.Errorf("%d audiences: at most %d are allowed", len(auds), MaxAudiences)
	}
	for i, a := range auds {
		switch {
		case strings.TrimSpace(a) == "":
			return fmt.Errorf("audience %d is empty", i+1)
		case len(a) > maxAudienceLen:
			return fmt.Errorf("audience %q is longer than %d characters", a, maxAudienceLen)
		case strings.ContainsAny(a, " \t\r\n"):
			return fmt.Errorf("audience %q must not contain whitespace", a)
		case slices.Contains(auds[:i], a):
			return fmt.Errorf("duplicate audience %q", a)
		}
	}
	return nil
}

func validateThumbprints(tps []string) error {
	if len(tps) > MaxThumbprints {
		return fmt.Errorf("%d thumbprints: at most %d are allowed", len(tps), MaxThumbprints)
	}
	for i, tp := range tps {
		if !thumbprintRE.MatchString(tp) {
			return fmt.Errorf("bad thumbprint %q: want 40 lowercase hex characters (sha-1)", tp)
		}
		if slices.Contains(tps[:i], tp) {
			return fmt.Errorf("duplicate thumbprint %q", tp)
		}
	}
	return nil
}

// selectServices returns the requested services in the order of valid;
// none requested means all of valid.
func selectServices(requested, valid []string) ([]string, error) {
	if len(requested) == 0 {
		return valid, nil
	}
	for i, s := range requested {
		if !slices.Contains(valid, s) {
			return nil, fmt.Errorf("unknown service %q (valid: %s)", s, strings.Join(valid, ", "))
		}
		if slices.Contains(requested[:i], s) {
			return nil, fmt.Errorf("duplicate service %q", s)
		}
	}
	out := make([]string, 0, len(requested))
	for _, s := range valid {
		if slices.Contains(requested, s) {
			out = append(out, s)
		}
	}
	return out, nil
}
