package awsemu

import (
	"encoding/json"
	"strings"
)

// iamStatement is one statement of a trust policy, as far as web identity
// federation needs it.
type iamStatement struct {
	Effect    string
	Principal json.RawMessage
	Action    json.RawMessage
	Condition map[string]map[string]json.RawMessage
}

// iamStrings reads a policy value that is a string or a list of strings.
func iamStrings(raw json.RawMessage) []string {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		return many
	}
	return nil
}

// iamStatements parses the Statement of a policy (an object or a list).
func iamStatements(doc string) ([]iamStatement, bool) {
	var d struct{ Statement json.RawMessage }
	if err := json.Unmarshal([]byte(doc), &d); err != nil || d.Statement == nil {
		return nil, false
	}
	var list []iamStatement
	if json.Unmarshal(d.Statement, &list) == nil {
		return list, true
	}
	var one iamStatement
	if json.Unmarshal(d.Statement, &one) == nil {
		return []iamStatement{one}, true
	}
	return nil, false
}

// iamTrustRequest is what a web identity trust policy is judged on: the
// IAM provider the token came through and its condition keys
// (<provider host>:aud, :sub, :email …) with their values.
type iamTrustRequest struct {
	providerARN string
	keys        map[string]string
}

// iamTrustsWebIdentity reports whether the trust policy lets the request
// call sts:AssumeRoleWithWebIdentity: an Allow statement names the provider
// as Federated principal and the action, and all its conditions hold; a
// matching Deny wins. Only StringEquals and StringLike (and their
// IfExists forms) are understood; any other operator makes its statement
// never match, so an unknown condition fails closed.
func iamTrustsWebIdentity(doc string, req iamTrustRequest) bool {
	stmts, ok := iamStatements(doc)
	if !ok {
		return false
	}
	allowed := false
	for _, s := range stmts {
		if !iamStatementMatches(s, req) {
			continue
		}
		switch s.Effect {
		case "Deny":
			return false
		case "Allow":
			allowed = true
		}
	}
	return allowed
}

func iamStatementMatches(s iamStatement, req iamTrustRequest) bool {
	var principal struct{ Federated json.RawMessage }
	if json.Unmarshal(s.Principal, &principal) != nil || !iamContains(iamStrings(principal.Federated), req.providerARN, false) {
		return false
	}
	actions := iamStrings(s.Action)
	if !iamContains(actions, "sts:AssumeRoleWithWebIdentity", true) && !iamContains(actions, "sts:*", false) && !iamContains(actions, "*", false) {
		return false
	}
	for op, conds := range s.Condition {
		for key, raw := range conds {
			if !iamConditionHolds(op, key, iamStrings(raw), req.keys) {
				return false
			}
		}
	}
	return true
}

// iamConditionHolds evaluates one condition operator on one key: the
// request's value must match any of the policy's values.
func iamConditionHolds(op, key string, want []string, keys map[string]string) bool {
	base, ifExists := strings.CutSuffix(op, "IfExists")
	var got string
	found := false
	for k, v := range keys {
		if strings.EqualFold(k, key) { // condition key names ignore case
			got, found = v, true
		}
	}
	if !found {
		return ifExists
	}
	for _, w := range want {
		switch base {
		case "StringEquals":
			if got == w {
				return true
			}
		case "StringLike":
			if iamGlob(w, got) {
				return true
			}
		default:
			return false
		}
	}
	return false
}

// iamGlob matches IAM's StringLike wildcards (* any run, ? one character),
// where * also spans "/".
func iamGlob(pattern, s string) bool {
	if pattern == "" {
		return s == ""
	}
	switch pattern[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if iamGlob(pattern[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && iamGlob(pattern[1:], s[1:])
	default:
		return s != "" && s[0] == pattern[0] && iamGlob(pattern[1:], s[1:])
	}
}

func iamContains(list []string, v string, fold bool) bool {
	for _, x := range list {
		if x == v || fold && strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}
