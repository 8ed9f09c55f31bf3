// Package callerauth authenticates the application calling tip-broker by its
// IAM role: in standalone mode with a SigV4-presigned sts:GetCallerIdentity
// request that the broker replays against STS (the scheme of Vault's AWS
// auth method and aws-iam-authenticator), bound to one broker by a signed
// X-Tip-Broker-Id header; in Lambda mode API Gateway verifies SigV4 itself
// and CallerFromARN normalises the caller ARN it reports. The client side
// (PresignCallerIdentity, SignAPIGateway) lives here too.
package callerauth

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tip-cli/tip-cli/internal/awsid"
)

// ErrNotRole reports a caller that is not an IAM role (session): an IAM
// user, the root user, a federated user, or an ARN that cannot be parsed.
var ErrNotRole = errors.New("caller is not an IAM role session")

// Caller is the authenticated application identity.
type Caller struct {
	// ARN is the ARN as STS or API Gateway reported it, e.g.
	// arn:aws:sts::123456789012:assumed-role/App/session.
	ARN string
	// RoleARN is the normalised role ARN without a path,
	// arn:aws:iam::123456789012:role/App (the registry key).
	RoleARN string
	// AccountID is the 12-digit account of the role.
	AccountID string
	// Partition is aws, aws-us-gov, aws-cn, …
	Partition string
	// RoleName is the role name without its path.
	RoleName string
}

// CallerFromARN parses an assumed-role session ARN
// (arn:<partition>:sts::<account>:assumed-role/<role>/<session>) or a role
// ARN (arn:<partition>:iam::<account>:role/<path/><role>) into a Caller whose
// RoleARN drops the role path, since assumed-role ARNs do not carry it.
// Every other principal and any malformed ARN yields an error wrapping
// ErrNotRole.
func CallerFromARN(arn string) (Caller, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return Caller{}, fmt.Errorf("%w: malformed arn %q", ErrNotRole, truncate(arn))
	}
	partition, service, region, account, resource := parts[1], parts[2], parts[3], parts[4], parts[5]
	if !validPartition(partition) || region != "" || !awsid.IsAccountID(account) {
		return Caller{}, fmt.Errorf("%w: malformed arn %q", ErrNotRole, truncate(arn))
	}
	name, err := roleName(service, resource)
	if err != nil {
		return Caller{}, fmt.Errorf("%w: %s: %v", ErrNotRole, truncate(arn), err)
	}
	return Caller{
		ARN:       arn,
		RoleARN:   "arn:" + partition + ":iam::" + account + ":role/" + name,
		AccountID: account,
		Partition: partition,
		RoleName:  name,
	}, nil
}

// roleName extracts the role name of an sts assumed-role or iam role
// resource.
func roleName(service, resource string) (string, error) {
	kind, rest, _ := strings.Cut(resource, "/")
	switch {
	case service == "sts" && kind == "assumed-role":
		name, session, ok := strings.Cut(rest, "/")
		if !ok || !validName(name, 1, 64) || !validName(session, 2, 64) {
			return "", errors.New("malformed assumed-role resource")
		}
		return name, nil
	case service == "iam" && kind == "role":
		if len(rest) > 512+64 {
			return "", errors.New("role path too long")
		}
		segs := strings.Split(rest, "/")
		name := segs[len(segs)-1]
		for _, s := range segs[:len(segs)-1] {
			if !validPathSegment(s) {
				return "", errors.New("malformed role path")
			}
		}
		if !validName(name, 1, 64) {
			return "", errors.New("malformed role name")
		}
		return name, nil
	case service == "sts" || service == "iam":
		return "", fmt.Errorf("%s principals cannot call the broker", principalKind(resource))
	default:
		return "", fmt.Errorf("unexpected service %q", service)
	}
}

// principalKind names the principal type of an IAM/STS resource for errors.
func principalKind(resource string) string {
	switch kind, _, _ := strings.Cut(resource, "/"); {
	case resource == "root":
		return "root user"
	case kind == "user":
		return "IAM user"
	case kind == "federated-user":
		return "federated user"
	default:
		return "non-role"
	}
}

// validName reports whether s is min..max characters of [\w+=,.@-], the
// alphabet of IAM role names, role path segments and session names.
func validName(s string, lo, hi int) bool {
	if len(s) < lo || len(s) > hi {
		return false
	}
	for _, c := range []byte(s) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("_+=,.@-", c) >= 0
		if !ok {
			return false
		}
	}
	return true
}

// validPathSegment reports whether s is a non-empty IAM path segment
// (printable ASCII without '/').
func validPathSegment(s string) bool {
	for _, c := range []byte(s) {
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return s != ""
}

// validPartition accepts the AWS partition names.
func validPartition(p string) bool {
	switch p {
	case "aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc":
		return true
	}
	return false
}

// truncate shortens untrusted input quoted in errors.
func truncate(s string) string {
	const limit = 200
	if len(s) > limit {
		return s[:limit] + "…"
	}
	return s
}
