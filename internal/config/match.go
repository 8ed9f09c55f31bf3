package config

import (
	"strings"

	"github.com/tip-cli/tip-cli/internal/awsid"
)

// Hand-written matchers for the shapes config validates. A warm
// credential_process call validates one profile in a fresh process, and
// compiling the equivalent regular expressions there cost 0.3–0.6 ms, about
// a fifth of the lean binary's whole call (#17). FuzzMatchers checks each
// against the expression it replaces.

func isLower(c byte) bool { return 'a' <= c && c <= 'z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isAlnum(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isHex(c byte) bool   { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// isWordish is [\w+=,.@-], the characters of an IAM role or policy name.
func isWordish(c byte) bool { return isAlnum(c) || strings.IndexByte("_+=,.@-", c) >= 0 }

// all reports whether s is non-empty and every byte satisfies ok.
func all(s string, ok func(byte) bool) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

// isRegion matches ^[a-z]{2}(-[a-z]+)+-\d$ (us-east-1, us-gov-west-1).
func isRegion(s string) bool {
	if len(s) < 2 || !isLower(s[0]) || !isLower(s[1]) {
		return false
	}
	return isRegionTail(s[2:])
}

// isRegionTail matches (-[a-z]+)+-\d$.
func isRegionTail(s string) bool {
	n := len(s)
	if n < 4 || s[n-2] != '-' || !isDigit(s[n-1]) {
		return false
	}
	groups := strings.Split(s[1:n-2], "-")
	if s[0] != '-' {
		return false
	}
	for _, g := range groups {
		if !all(g, isLower) {
			return false
		}
	}
	return true
}

// isAccount matches ^\d{12}$.
func isAccount(s string) bool { return awsid.IsAccountID(s) }

// isCognitoPool matches ^[a-z]{2}(-[a-z]+)+-\d_[A-Za-z0-9]+$.
func isCognitoPool(s string) bool {
	region, id, ok := strings.Cut(s, "_")
	return ok && isRegion(region) && all(id, isAlnum)
}

// isTenantGUID matches a GUID of hex digits in 8-4-4-4-12 groups.
func isTenantGUID(s string) bool {
	parts := strings.Split(s, "-")
	if len(parts) != 5 {
		return false
	}
	for i, want := range []int{8, 4, 4, 4, 12} {
		if len(parts[i]) != want || !all(parts[i], isHex) {
			return false
		}
	}
	return true
}

// isSignInName matches ^[A-Za-z0-9][A-Za-z0-9._-]*$.
func isSignInName(s string) bool {
	return s != "" && isAlnum(s[0]) && (len(s) == 1 || all(s[1:], func(c byte) bool {
		return isAlnum(c) || c == '.' || c == '_' || c == '-'
	}))
}

// cutPartition strips ^arn:aws(-cn|-us-gov|-iso|-iso-b)?: from s.
func cutPartition(s string) (string, bool) {
	rest, ok := strings.CutPrefix(s, "arn:aws")
	if !ok {
		return "", false
	}
	for _, p := range []string{":", "-cn:", "-us-gov:", "-iso:", "-iso-b:"} {
		if r, ok := strings.CutPrefix(rest, p); ok {
			return r, true
		}
	}
	return "", false
}

// isIAMPath matches ([\x21-\x7e]*/)?[\w+=,.@-]+$: an optional path of
// printable characters ending in '/', then a name.
func isIAMPath(s string) bool {
	i := strings.LastIndexByte(s, '/')
	return all(s[:i+1], func(c byte) bool { return c >= 0x21 && c <= 0x7e }) || i < 0
}

// isIAMResource matches <12 digits or "aws" when allowAWS>:<kind>/<path/>name
// after "iam::".
func isIAMResource(s, kind string, allowAWS bool) bool {
	acct, rest, ok := strings.Cut(s, ":")
	if !ok || !(isAccount(acct) || allowAWS && acct == "aws") {
		return false
	}
	rest, ok = strings.CutPrefix(rest, kind+"/")
	if !ok {
		return false
	}
	i := strings.LastIndexByte(rest, '/')
	return isIAMPath(rest) && all(rest[i+1:], isWordish)
}

// isRoleARN matches the role ARN expression (see ValidateRoleARN).
func isRoleARN(s string) bool { return isIAMARN(s, "role", false) }

// isPolicyARN matches the managed policy ARN expression; AWS managed
// policies have "aws" for the account.
func isPolicyARN(s string) bool { return isIAMARN(s, "policy", true) }

// isIAMARN matches arn:<partition>:iam::<account>:<kind>/<path/>name.
func isIAMARN(s, kind string, allowAWS bool) bool {
	rest, ok := cutPartition(s)
	if !ok {
		return false
	}
	rest, ok = strings.CutPrefix(rest, "iam::")
	return ok && isIAMResource(rest, kind, allowAWS)
}

// isApplicationARN matches
// ^arn:<partition>:sso::\d{12}:application/(sso)?ins-[a-zA-Z0-9-.]{16}/apl-[a-zA-Z0-9]{16}$.
func isApplicationARN(s string) bool {
	rest, ok := cutPartition(s)
	if !ok {
		return false
	}
	if rest, ok = strings.CutPrefix(rest, "sso::"); !ok || len(rest) < 12 || !isAccount(rest[:12]) {
		return false
	}
	if rest, ok = strings.CutPrefix(rest[12:], ":application/"); !ok {
		return false
	}
	rest = strings.TrimPrefix(rest, "sso")
	if rest, ok = strings.CutPrefix(rest, "ins-"); !ok || len(rest) < 16 {
		return false
	}
	if !all(rest[:16], func(c byte) bool { return isAlnum(c) || c == '-' || c == '.' }) {
		return false
	}
	apl, ok := strings.CutPrefix(rest[16:], "/apl-")
	return ok && len(apl) == 16 && all(apl, isAlnum)
}
