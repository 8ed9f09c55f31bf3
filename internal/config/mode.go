package config

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// TIP modes: the two ways AWS carries a person's identity into a session.
// These are unrelated to the console's "federation endpoint" (package
// console), hence the TIP prefix on every name here.
const (
	// TIPModeIdentityCenter is the Identity Center chain: AssumeRoleWithWebIdentity
	// → CreateTokenWithIAM → identity-enhanced AssumeRole (the default, and
	// what the Python tool's config always meant).
	TIPModeIdentityCenter = "identity-center"
	// TIPModeIAMFederation is TIP for IAM federation (AWS, 2026-11-19): one
	// AssumeRoleWithWebIdentity through an IAM OIDC provider with a context
	// provider, whose session carries the person itself.
	TIPModeIAMFederation = "iam-federation"
)

// TIPModes lists the accepted tip_mode values.
var TIPModes = []string{TIPModeIdentityCenter, TIPModeIAMFederation}

// Session durations a federation-mode profile may ask for
// (AssumeRoleWithWebIdentity's DurationSeconds range).
const (
	MinDurationSeconds     = 900
	MaxDurationSeconds     = 43200
	DefaultDurationSeconds = 3600
)

// TIPMode returns the profile's mode, identity-center when unset.
func (p *Profile) TIPMode() string {
	if p.Mode == "" {
		return TIPModeIdentityCenter
	}
	return p.Mode
}

// FederationDuration returns the federation-mode session length in seconds:
// duration_seconds, else DefaultDurationSeconds.
func (p *Profile) FederationDuration() int {
	if p.DurationSeconds == 0 {
		return DefaultDurationSeconds
	}
	return p.DurationSeconds
}

// ChainID fingerprints what a minted session depends on besides the IdP
// sign-in: the mode, its roles, application and duration. A cached session
// is served only while the profile's ChainID is the one it was minted
// under, so changing the mode or a role never serves an old session. It is
// computed here, free of the AWS SDK, because the lean binary checks it too.
//
// (Concatenation, not fmt: the lean binary computes it on every call, and
// fmt's first use touches pages of code no other step of it needs.)
func (p *Profile) ChainID() string {
	var s string
	switch p.TIPMode() {
	case TIPModeIAMFederation:
		s = TIPModeIAMFederation + "\x00" + p.RoleARN + "\x00" + strconv.Itoa(p.FederationDuration())
	default:
		s = TIPModeIdentityCenter + "\x00" + p.OIDCRoleARN + "\x00" + p.TokenExchangeApplicationARN + "\x00" + p.IDEnhancedRoleARN
	}
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

// validateMode checks the AWS side of the profile for its mode.
func (p *Profile) validateMode() error {
	switch p.TIPMode() {
	case TIPModeIdentityCenter:
		if p.RoleARN != "" || p.DurationSeconds != 0 || p.IdentityCenterInstanceARN != "" {
			return fmt.Errorf("role_arn, duration_seconds and identity_center_instance_arn need \"tip_mode\": %q", TIPModeIAMFederation)
		}
		if err := ValidateApplicationARN(p.TokenExchangeApplicationARN); err != nil {
			return fmt.Errorf("token_exchange_application_arn: %w", err)
		}
		if err := ValidateRoleARN(p.OIDCRoleARN); err != nil {
			return fmt.Errorf("oidc_role_arn: %w", err)
		}
		if err := ValidateRoleARN(p.IDEnhancedRoleARN); err != nil {
			return fmt.Errorf("id_enhanced_role_arn: %w", err)
		}
	case TIPModeIAMFederation:
		if err := ValidateRoleARN(p.RoleARN); err != nil {
			return fmt.Errorf("role_arn: %w", err)
		}
		if d := p.DurationSeconds; d != 0 && (d < MinDurationSeconds || d > MaxDurationSeconds) {
			return fmt.Errorf("duration_seconds %d must be %d-%d", d, MinDurationSeconds, MaxDurationSeconds)
		}
		if a := p.IdentityCenterInstanceARN; a != "" && !isInstanceARN(a) {
			return fmt.Errorf("identity_center_instance_arn %q is not an Identity Center instance ARN (arn:aws:sso:::instance/ssoins-…)", a)
		}
	default:
		return fmt.Errorf("tip_mode %q must be one of %s", p.Mode, strings.Join(TIPModes, ", "))
	}
	return nil
}

// isInstanceARN matches ^arn:<partition>:sso:::instance/(sso)?ins-[a-zA-Z0-9-.]{16}$.
func isInstanceARN(s string) bool {
	rest, ok := cutPartition(s)
	if !ok {
		return false
	}
	if rest, ok = strings.CutPrefix(rest, "sso:::instance/"); !ok {
		return false
	}
	rest = strings.TrimPrefix(rest, "sso")
	rest, ok = strings.CutPrefix(rest, "ins-")
	return ok && len(rest) == 16 && all(rest, func(c byte) bool { return isAlnum(c) || c == '-' || c == '.' })
}
