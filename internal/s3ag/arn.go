package s3ag

import (
	"fmt"
	"strings"
)

// AccountFromARN returns the account id of an STS assumed-role ARN
// (arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/SESSION), the ARN the
// identity-enhanced session carries, so no GetCallerIdentity is needed.
func AccountFromARN(arn string) (string, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] != "sts" || parts[3] != "" {
		return "", fmt.Errorf("invalid assumed-role ARN %q: want arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION", arn)
	}
	role, session, ok := strings.Cut(strings.TrimPrefix(parts[5], "assumed-role/"), "/")
	if !strings.HasPrefix(parts[5], "assumed-role/") || !ok || role == "" || session == "" {
		return "", fmt.Errorf("invalid assumed-role ARN %q: resource must be assumed-role/ROLE/SESSION", arn)
	}
	if err := validateAccountID(parts[4]); err != nil {
		return "", fmt.Errorf("invalid assumed-role ARN %q: %w", arn, err)
	}
	return parts[4], nil
}
