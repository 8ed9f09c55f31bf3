package cmdutil

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/exchange"
	"github.com/tip-cli/tip-cli/internal/scope"
)

// PolicyFlags are --policy and --policy-arn: session policies that scope
// the identity-enhanced session down (effective permissions = role ∩ policies).
type PolicyFlags struct {
	Policy     string
	PolicyARNs []string
}

// Register adds the flags to cmd.
func (p *PolicyFlags) Register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&p.Policy, "policy", "", "inline session policy: JSON or file://PATH")
	cmd.Flags().StringArrayVar(&p.PolicyARNs, "policy-arn", nil, "managed session policy ARN (repeatable, at most 10)")
}

// Validate checks the ARNs (the document is checked once read, in Scope).
func (p *PolicyFlags) Validate() error {
	return p.flags().Validate()
}

// Scope resolves the session scope: flags when given, else the profile's
// session_policy / session_policy_arns defaults. The rules live in package
// scope, shared with the lean credential_process binary.
func (p *PolicyFlags) Scope(prof *config.Profile) (exchange.Scope, error) {
	s, err := p.flags().Resolve(prof, scope.ReadPolicyFile)
	var ue *scope.UsageError
	if errors.As(err, &ue) {
		return s, &FlagError{Err: ue.Err}
	}
	return s, err
}

func (p *PolicyFlags) flags() scope.Flags {
	return scope.Flags{Policy: p.Policy, PolicyARNs: p.PolicyARNs}
}
