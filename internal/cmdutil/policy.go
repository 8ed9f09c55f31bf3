package cmdutil

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/exchange"
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
	return config.ValidatePolicyARNs(p.PolicyARNs)
}

// Scope resolves the session scope: flags when given, else the profile's
// session_policy / session_policy_arns defaults.
func (p *PolicyFlags) Scope(prof *config.Profile) (exchange.Scope, error) {
	if p.Policy == "" && len(p.PolicyARNs) == 0 {
		return exchange.Scope{Policy: prof.SessionPolicy, PolicyARNs: prof.SessionPolicyARNs}, nil
	}
	doc := p.Policy
	if path, ok := strings.CutPrefix(doc, "file://"); ok {
		data, err := os.ReadFile(path)
		if err != nil {
			return exchange.Scope{}, &FlagError{Err: fmt.Errorf("read --policy file: %w", err)}
		}
		doc = string(data)
	}
	if doc != "" {
		if err := config.ValidatePolicyJSON(doc); err != nil {
			return exchange.Scope{}, &FlagError{Err: fmt.Errorf("--policy: %w", err)}
		}
	}
	return exchange.Scope{Policy: doc, PolicyARNs: p.PolicyARNs}, nil
}
