package exchange

import (
	"time"

	"github.com/tip-cli/tip-cli/internal/config"
)

// Check ids of diag's live walk, one per step.
const (
	CheckWebIdentity   = "live-web-identity"
	CheckCreateToken   = "live-create-token"
	CheckAssumeRole    = "live-assume-role"
	CheckFederatedRole = "live-federated-role"
	CheckPlainRole     = "live-plain-role"
)

// IdentityCenterPath is the Identity Center chain: the OIDC role, the
// Identity Center context for the user, the identity-enhanced role.
func IdentityCenterPath() Path {
	return Path{Mode: config.TIPModeIdentityCenter, Steps: []Step{stepOIDCRole, stepCreateToken, stepIdentityEnhancedRole}}
}

// iamFederationPath is TIP for IAM federation: one AssumeRoleWithWebIdentity
// whose session carries the person (a response without the context is
// refused, see NoContextError).
func iamFederationPath() Path {
	return Path{Mode: config.TIPModeIAMFederation, Steps: []Step{stepFederatedRole}}
}

// PathFor returns the path of a tip_mode.
func PathFor(mode string) Path {
	if mode == config.TIPModeIAMFederation {
		return iamFederationPath()
	}
	return IdentityCenterPath()
}

// ForConsole returns the chain `console --role-arn` runs. In identity-center
// mode: the OIDC role, then roleARN assumed without identity context (the
// console may refuse identity-enhanced sessions). In iam-federation mode:
// roleARN in place of the profile's role, assumed with the same web identity,
// so the console session still carries the person (the role must trust the
// same TIP-enabled provider). duration 0 keeps the chain's own.
func (c *Chain) ForConsole(roleARN string, duration time.Duration) *Chain {
	cc := *c
	if duration > 0 {
		cc.Duration = duration
	}
	if c.Path.Mode == config.TIPModeIAMFederation {
		cc.RoleARN = roleARN
		return &cc
	}
	cc.PlainRoleARN = roleARN
	cc.Path = Path{Mode: c.Path.Mode, Steps: []Step{stepOIDCRole, stepPlainRole}}
	return &cc
}
