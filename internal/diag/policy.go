package diag

import (
	"strings"
)

// createTokenAction is the action the actor policy must allow the OIDC role.
const createTokenAction = "sso-oauth:CreateTokenWithIAM"

// actorPolicyVerdict is what an application's actor policy allows.
type actorPolicyVerdict struct {
	// AllowsAction: some Allow statement covers sso-oauth:CreateTokenWithIAM.
	AllowsAction bool
	// AllowsRole: such a statement's principal covers the role ("" role: unknown).
	AllowsRole bool
	// Principals are the AWS principals of the Allow statements covering the action.
	Principals []string
	// Conditional: the matching statement has a Condition (not evaluated).
	Conditional bool
}

// analyzeActorPolicy reads an IAM resource policy document (Statement an
// object or a list; Action and Principal.AWS a string or a list; '*' and
// '?' wildcards) for an Allow of CreateTokenWithIAM to role. Deny
// statements are not evaluated.
func analyzeActorPolicy(doc map[string]any, role string) actorPolicyVerdict {
	var v actorPolicyVerdict
	for _, st := range asList(doc["Statement"]) {
		s, ok := st.(map[string]any)
		if !ok || !strings.EqualFold(asString(s["Effect"]), "Allow") {
			continue
		}
		if !anyMatch(asStrings(s["Action"]), createTokenAction, true) {
			continue
		}
		v.AllowsAction = true
		principals := statementPrincipals(s["Principal"])
		v.Principals = append(v.Principals, principals...)
		if role != "" && principalCovers(principals, role) {
			v.AllowsRole = true
			_, v.Conditional = s["Condition"]
		}
	}
	return v
}

// statementPrincipals returns Principal.AWS values ("*" for Principal "*").
func statementPrincipals(p any) []string {
	if s, ok := p.(string); ok {
		return []string{s}
	}
	m, ok := p.(map[string]any)
	if !ok {
		return nil
	}
	return asStrings(m["AWS"])
}

// principalCovers reports whether one of principals names role: the role
// ARN itself (wildcards allowed), "*", or the role's account (root ARN or
// bare account id), which delegates to the role's own IAM policy.
func principalCovers(principals []string, role string) bool {
	acct := ""
	if parts := strings.SplitN(role, ":", 6); len(parts) == 6 {
		acct = parts[4]
	}
	for _, p := range principals {
		switch {
		case p == "*", wildcardMatch(p, role, false):
			return true
		case acct != "" && (p == acct || strings.HasSuffix(p, ":"+acct+":root")):
			return true
		}
	}
	return false
}

func anyMatch(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if wildcardMatch(p, s, fold) {
			return true
		}
	}
	return false
}

// wildcardMatch matches IAM-style patterns: '*' any run, '?' one character.
func wildcardMatch(pattern, s string, fold bool) bool {
	if fold {
		pattern, s = strings.ToLower(pattern), strings.ToLower(s)
	}
	p, t := []rune(pattern), []rune(s)
	star, mark := -1, 0
	i, j := 0, 0
	for j < len(t) {
		switch {
		case i < len(p) && (p[i] == '?' || p[i] == t[j]):
			i++
			j++
		case i < len(p) && p[i] == '*':
			star, mark = i, j
			i++
		case star >= 0:
			i = star + 1
			mark++
			j = mark
		default:
			return false
		}
	}
	for i < len(p) && p[i] == '*' {
		i++
	}
	return i == len(p)
}

func asList(v any) []any {
	switch x := v.(type) {
	case []any:
		return x
	case nil:
		return nil
	}
	return []any{v}
}

func asString(v any) string {
	s, _ := v.(string)
	return s
}

func asStrings(v any) []string {
	var out []string
	for _, x := range asList(v) {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
