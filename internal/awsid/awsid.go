// Package awsid checks the AWS identifiers that tip-cli and tip-broker both
// read: account ids and the ARN of an assumed-role session. It is the one
// rule for each; standard library only, so the lean binary, the SDK-bound
// packages and the broker all link it.
package awsid

import (
	"fmt"
	"strings"
)

// IsAccountID reports whether s is an AWS account id: exactly 12 ASCII
// digits.
func IsAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ValidateAccountID is IsAccountID as an error naming id.
func ValidateAccountID(id string) error {
	if !IsAccountID(id) {
		return fmt.Errorf("invalid account id %q: must be 12 digits", id)
	}
	return nil
}

// AccountFromARN returns the account id of an STS assumed-role ARN
// (arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/SESSION), the ARN every
// session tip-cli mints carries, so no GetCallerIdentity is needed. Any
// other ARN, or one whose account is not 12 digits, is an error.
func AccountFromARN(arn string) (string, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] != "sts" || parts[3] != "" {
		return "", fmt.Errorf("invalid assumed-role ARN %q: want arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION", arn)
	}
	role, session, ok := strings.Cut(strings.TrimPrefix(parts[5], "assumed-role/"), "/")
	if !strings.HasPrefix(parts[5], "assumed-role/") || !ok || role == "" || session == "" {
		return "", fmt.Errorf("invalid assumed-role ARN %q: resource must be assumed-role/ROLE/SESSION", arn)
	}
	if err := ValidateAccountID(parts[4]); err != nil {
		return "", fmt.Errorf("invalid assumed-role ARN %q: %w", arn, err)
	}
	return parts[4], nil
}
