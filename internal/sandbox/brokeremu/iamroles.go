package brokeremu

import (
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tip-cli/tip-cli/internal/sandbox/awsemu"
)

// RoleSpec describes an IAM role of the sandbox account for AddRole: who may
// assume it (its trust policy) and which S3 objects its sessions may read
// (its permission policy).
type RoleSpec struct {
	// Name is the IAM role name in the sandbox account.
	Name string
	// TrustedRoleARNs are role ARNs (arn:aws:iam::<acct>:role/X) whose
	// sessions may sts:AssumeRole this role.
	TrustedRoleARNs []string
	// AllowTagSession says the trust policy also grants sts:TagSession,
	// which STS requires when the request carries session tags.
	AllowTagSession bool
	// ExternalID, when set, is the trust policy's condition
	// StringEquals sts:ExternalId: AssumeRole without exactly this
	// ExternalId is denied.
	ExternalID string
	// ExternalIDLike, when set, is the condition StringLike
	// sts:ExternalId with these patterns (* any run of characters, ? one):
	// AssumeRole whose ExternalId matches none of them is denied. A trust
	// policy written this way admits more than one application.
	ExternalIDLike []string
	// S3Resources are IAM resource patterns allowed s3:GetObject; they may
	// use the wildcards * and ? and the policy variable
	// ${aws:PrincipalTag/<Key>}, e.g.
	// "arn:aws:s3:::tenant-data/${aws:PrincipalTag/TenantID}/*".
	S3Resources []string
}

// AddRole adds (or replaces) a role in the sandbox account and returns its
// ARN. sts:AssumeRole into it follows spec; the built-in TIP chain roles
// keep their own rules.
func (a *AWS) AddRole(spec RoleSpec) string {
	spec.TrustedRoleARNs = append([]string(nil), spec.TrustedRoleARNs...)
	spec.ExternalIDLike = append([]string(nil), spec.ExternalIDLike...)
	spec.S3Resources = append([]string(nil), spec.S3Resources...)
	arn := a.roleARN(spec.Name)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.roles == nil {
		a.roles = map[string]RoleSpec{}
	}
	a.roles[arn] = spec
	return arn
}

// roleSpec returns the AddRole spec of a role ARN.
func (a *AWS) roleSpec(arn string) (RoleSpec, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	spec, ok := a.roles[arn]
	return spec, ok
}

// RoleCredentials mints temporary credentials (Kind "role") for a session
// of the role roleName, as if the role were the runtime identity of a Lambda
// function or an EC2 instance; the role need not have been added with
// AddRole. ttl <= 0 means one hour.
func (a *AWS) RoleCredentials(roleName, sessionName string, ttl time.Duration) aws.Credentials {
	if ttl <= 0 {
		ttl = time.Hour
	}
	return a.IssueRoleSession(a.roleARN(roleName), sessionName, "role", ttl, nil, nil)
}

// stsAssumeAddedRole is AssumeRole into a role added with AddRole: the
// caller's role must be trusted, session tags need sts:TagSession, and the
// caller's transitive tags pass on to the new session (awsemu checks the
// policies and issues it).
func (a *AWS) stsAssumeAddedRole(req awsemu.AssumeRoleRequest, spec RoleSpec, caller *awsemu.Principal) (map[string]string, []string, *awsAPIError) {
	deny := func(action string) *awsAPIError {
		return awsErr(http.StatusForbidden, "AccessDenied", "User: %s is not authorized to perform: %s on resource: %s", caller.AssumedRoleARN, action, req.RoleARN)
	}
	if !slices.Contains(spec.TrustedRoleARNs, caller.RoleARN) || spec.ExternalID != "" && req.ExternalID != spec.ExternalID ||
		!externalIDLike(spec.ExternalIDLike, req.ExternalID) {
		return nil, nil, deny("sts:AssumeRole")
	}
	if req.Contexts > 0 {
		return nil, nil, deny("sts:SetContext")
	}
	tags, transitive, apiErr := stsSessionTags(req, caller)
	if apiErr != nil {
		return nil, nil, apiErr
	}
	if len(tags) > 0 && !spec.AllowTagSession {
		return nil, nil, deny("sts:TagSession")
	}
	return tags, transitive, nil
}

// externalIDLike is the StringLike sts:ExternalId condition: true when
// there is none, else when id is present and matches one pattern.
func externalIDLike(patterns []string, id string) bool {
	if len(patterns) == 0 {
		return true
	}
	return id != "" && slices.ContainsFunc(patterns, func(p string) bool { return iamResourceMatch(p, nil, id) })
}

// stsSessionTags merges the caller's transitive tags with the requested
// tags (a request may not override an inherited key) and returns the new
// session's tags (nil when none) and transitive keys. Requested transitive
// keys that name no session tag are ignored.
func stsSessionTags(req awsemu.AssumeRoleRequest, caller *awsemu.Principal) (map[string]string, []string, *awsAPIError) {
	tags := map[string]string{}
	var transitive []string
	for _, k := range caller.TransitiveTagKeys {
		if v, ok := caller.Tags[k]; ok {
			tags[k] = v
			transitive = append(transitive, k)
		}
	}
	for _, t := range req.Tags {
		if k, ok := awsLookupFold(tags, t.Key); ok {
			return nil, nil, stsValidation("1 validation error detected: Value '%s' at 'tags' failed to satisfy constraint: cannot override the transitive session tag '%s' of the calling session", t.Key, k)
		}
		tags[t.Key] = t.Value
	}
	for _, want := range req.TransitiveTagKeys {
		for _, t := range req.Tags {
			if strings.EqualFold(t.Key, want) && !slices.Contains(transitive, t.Key) {
				transitive = append(transitive, t.Key)
			}
		}
	}
	if len(tags) == 0 {
		return nil, nil, nil
	}
	return tags, transitive, nil
}

// s3Allowed reports whether the session p may s3:GetObject
// arn:aws:s3:::<bucket>/<key>: one of its role's S3Resources must match
// after policy variable substitution.
func (a *AWS) s3Allowed(p *awsemu.Principal, bucket, key string) bool {
	spec, ok := a.roleSpec(p.RoleARN)
	if !ok {
		return false
	}
	resource := "arn:aws:s3:::" + bucket + "/" + key
	for _, pattern := range spec.S3Resources {
		if iamResourceMatch(pattern, p.Tags, resource) {
			return true
		}
	}
	return false
}

// iamToken is one element of a compiled IAM resource pattern: a literal
// string, or the wildcard '*' or '?' (wild set).
type iamToken struct {
	lit  string
	wild byte
}

// iamResourceMatch matches resource against an IAM resource pattern: * is
// any run of characters (including /), ? one character, and
// ${aws:PrincipalTag/K} the session tag K (key compared ignoring case,
// value matched literally). ${*}, ${?} and ${$} are the literal characters.
// A variable that cannot be resolved makes the pattern match nothing, as in
// IAM.
func iamResourceMatch(pattern string, tags map[string]string, resource string) bool {
	tokens, ok := iamCompile(pattern, tags)
	return ok && iamGlob(tokens, resource)
}

// iamCompile substitutes policy variables and splits pattern into tokens;
// false when a variable is unknown, unresolved or unterminated.
func iamCompile(pattern string, tags map[string]string) ([]iamToken, bool) {
	var tokens []iamToken
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			tokens = append(tokens, iamToken{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; {
		case c == '*' || c == '?':
			flush()
			tokens = append(tokens, iamToken{wild: c})
		case c == '$' && strings.HasPrefix(pattern[i:], "${"):
			end := strings.IndexByte(pattern[i:], '}')
			if end < 0 {
				return nil, false
			}
			value, ok := iamVariable(pattern[i+2:i+end], tags)
			if !ok {
				return nil, false
			}
			lit.WriteString(value)
			i += end
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return tokens, true
}

// iamVariable resolves the body of a ${…} policy variable.
func iamVariable(name string, tags map[string]string) (string, bool) {
	switch name {
	case "*", "?", "$":
		return name, true
	}
	key, ok := strings.CutPrefix(name, "aws:PrincipalTag/")
	if !ok {
		return "", false
	}
	k, ok := awsLookupFold(tags, key)
	if !ok {
		return "", false
	}
	return tags[k], true
}

// iamGlob matches s against tokens (greedy with backtracking to the last
// '*', linear in practice); ? matches one character (rune).
func iamGlob(tokens []iamToken, s string) bool {
	ti, si := 0, 0
	starT, starS := -1, 0
	for si < len(s) || ti < len(tokens) {
		if ti < len(tokens) {
			t := tokens[ti]
			switch {
			case t.wild == '*':
				starT, starS = ti, si
				ti++
				continue
			case t.wild == '?' && si < len(s):
				_, n := utf8.DecodeRuneInString(s[si:])
				ti, si = ti+1, si+n
				continue
			case t.wild == 0 && strings.HasPrefix(s[si:], t.lit):
				ti, si = ti+1, si+len(t.lit)
				continue
			}
		}
		if starT < 0 || starS >= len(s) {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[starS:])
		starS += n
		ti, si = starT+1, starS
	}
	return true
}

// awsLookupFold finds the key of m equal to key ignoring case.
func awsLookupFold(m map[string]string, key string) (string, bool) {
	if _, ok := m[key]; ok {
		return key, true
	}
	for k := range m {
		if strings.EqualFold(k, key) {
			return k, true
		}
	}
	return "", false
}
