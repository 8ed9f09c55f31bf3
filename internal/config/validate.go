package config

import (
	"encoding/json"
	"fmt"
	"strings"
)

// maxPolicyARNs is the most managed session policies AssumeRole accepts.
const maxPolicyARNs = 10

// ValidateRoleARN checks the shape of an IAM role ARN.
func ValidateRoleARN(arn string) error {
	if arn == "" {
		return fmt.Errorf("is required")
	}
	if !isRoleARN(arn) || len(arn) > 2048 || len(lastSegment(arn)) > 64 {
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
	if !isApplicationARN(arn) {
		return fmt.Errorf("%q is not an Identity Center application ARN (arn:aws:sso::123456789012:application/ssoins-…/apl-…)", arn)
	}
	return nil
}

// ValidatePolicyARNs checks managed policy ARNs for session policies.
func ValidatePolicyARNs(arns []string) error {
	if len(arns) > maxPolicyARNs {
		return fmt.Errorf("at most %d managed policy ARNs, got %d", maxPolicyARNs, len(arns))
	}
	for _, a := range arns {
		if !isPolicyARN(a) || len(a) > 2048 || len(lastSegment(a)) > 128 {
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
	if !isRegion(r) {
		return fmt.Errorf("%q is not an AWS region name", r)
	}
	return nil
}

func lastSegment(arn string) string { return arn[strings.LastIndexByte(arn, '/')+1:] }
