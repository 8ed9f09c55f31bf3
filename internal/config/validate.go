package config

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// The expressions avoid bounded repetitions such as {0,510}: they compile
// into large programs, which every credential_process call would pay for.
// Lengths are checked separately. Each compiles on first use, not at
// package initialisation: a warm call validates one profile and needs only
// a few of them (compiling all cost ≈ 0.45 ms, a third of the lean
// binary's start-up, #17).
var (
	regionRE      = lazyRE(`^[a-z]{2}(-[a-z]+)+-\d$`)
	accountRE     = lazyRE(`^\d{12}$`)
	cognitoPoolRE = lazyRE(`^[a-z]{2}(-[a-z]+)+-\d_[A-Za-z0-9]+$`)
	tenantRE      = lazyRE(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	// Role ARNs: arn:<partition>:iam::<account>:role/<path/>name (IAM limits).
	roleARNRE = lazyRE(`^arn:aws(-cn|-us-gov|-iso|-iso-b)?:iam::\d{12}:role/([\x21-\x7e]*/)?[\w+=,.@-]+$`)
	// Customer managed application ARNs (aws-wire.md, SSO Admin).
	appARNRE = lazyRE(`^arn:aws(-cn|-us-gov|-iso|-iso-b)?:sso::\d{12}:application/(sso)?ins-[a-zA-Z0-9-.]{16}/apl-[a-zA-Z0-9]{16}$`)
	// Managed policy ARNs usable as session policies.
	policyARNRE = lazyRE(`^arn:aws(-cn|-us-gov|-iso|-iso-b)?:iam::(\d{12}|aws):policy/([\x21-\x7e]*/)?[\w+=,.@-]+$`)
)

// lazyRE returns a function compiling expr once, on its first call.
func lazyRE(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// MaxPolicyARNs is the most managed session policies AssumeRole accepts.
const MaxPolicyARNs = 10

// ValidateRoleARN checks the shape of an IAM role ARN.
func ValidateRoleARN(arn string) error {
	if arn == "" {
		return fmt.Errorf("is required")
	}
	if !roleARNRE().MatchString(arn) || len(arn) > 2048 || len(lastSegment(arn)) > 64 {
		return fmt.Errorf("%q is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)", arn)
	}
	return nil
}

// ValidateApplicationARN checks the shape of an IAM Identity Center
// customer managed application ARN.
func ValidateApplicationARN(arn string) error {
	if arn == "" {
		return fmt.Errorf("is required")
	}
	if !appARNRE().MatchString(arn) {
		return fmt.Errorf("%q is not an Identity Center application ARN (arn:aws:sso::123456789012:application/ssoins-…/apl-…)", arn)
	}
	return nil
}

// ValidatePolicyARNs checks managed policy ARNs for session policies.
func ValidatePolicyARNs(arns []string) error {
	if len(arns) > MaxPolicyARNs {
		return fmt.Errorf("at most %d managed policy ARNs, got %d", MaxPolicyARNs, len(arns))
	}
	for _, a := range arns {
		if !policyARNRE().MatchString(a) || len(a) > 2048 || len(lastSegment(a)) > 128 {
			return fmt.Errorf("%q is not an IAM policy ARN (arn:aws:iam::aws:policy/NAME)", a)
		}
	}
	return nil
}

// ValidatePolicyJSON checks that an inline session policy is a JSON object
// with a Statement, the minimum IAM will parse.
func ValidatePolicyJSON(doc string) error {
	var p map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return fmt.Errorf("not a JSON policy document: %w", err)
	}
	if _, ok := p["Statement"]; !ok {
		return fmt.Errorf("policy document has no Statement")
	}
	return nil
}

// ValidateRegion checks the shape of an AWS region name.
func ValidateRegion(r string) error {
	if !regionRE().MatchString(r) {
		return fmt.Errorf("%q is not an AWS region name", r)
	}
	return nil
}

// ValidateAccountID checks a 12-digit AWS account id.
func ValidateAccountID(id string) error {
	if !accountRE().MatchString(id) {
		return fmt.Errorf("account id %q must be 12 digits", id)
	}
	return nil
}

func lastSegment(arn string) string { return arn[strings.LastIndexByte(arn, '/')+1:] }
