package registry

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits from the IAM and STS API references and the broker's own policy.
const (
	maxRoleNameLen = 64   // IAM RoleName
	maxTagKeyLen   = 128  // STS Tag.Key
	maxTagValueLen = 256  // STS Tag.Value
	maxClaimLen    = 256  // JWTClaimName
	maxURLLen      = 2048 // JWKSetURL, Issuer
	maxAudienceLen = 256  // Audience
)

// Patterns, compiled once; regexp values are safe for concurrent use and
// never modified.
var (
	// roleARNRE is a role ARN without a path: the form a normalised caller
	// identity takes.
	roleARNRE = regexp.MustCompile(`^arn:(aws|aws-us-gov|aws-cn):iam::\d{12}:role/[\w+=,.@-]{1,64}$`)
	// roleNameRE is the IAM RoleName pattern (\w is ASCII in RE2).
	roleNameRE = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
)

// ValidationError reports the field of an Application (or the session tag
// value) that breaks a rule. Put wraps it, so callers can tell bad input
// from a storage failure with errors.As.
type ValidationError struct {
	// Field is the Application field name, or "session tag value".
	Field string
	// Reason says which rule was broken; it never repeats the value.
	Reason string
}

// Error implements error.
func (e *ValidationError) Error() string {
	return "invalid " + e.Field + ": " + e.Reason
}

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Validate checks every field of a against IAM/STS rules and the broker's
// limits and returns the first *ValidationError, or nil. It does not apply
// the JWKS URL scheme policy; the server does that.
func (a Application) Validate() error {
	checks := []func() error{
		a.validateRoleARN,
		a.validateAccessRoleName,
		func() error { return validTagKey(a.SessionTagKey) },
		a.validateClaimName,
		a.validateJWKSetURL,
		func() error { return validOptional("Issuer", a.Issuer, maxURLLen) },
		func() error { return validOptional("Audience", a.Audience, maxAudienceLen) },
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func (a Application) validateRoleARN() error {
	if a.RoleARN == "" {
		return invalid("RoleARN", "required")
	}
	if !roleARNRE.MatchString(a.RoleARN) {
		return invalid("RoleARN", "must be arn:<aws|aws-us-gov|aws-cn>:iam::<12-digit account>:role/<name>")
	}
	return nil
}

func (a Application) validateAccessRoleName() error {
	switch {
	case a.AccessRoleName == "":
		return invalid("AccessRoleName", "required")
	case strings.HasPrefix(a.AccessRoleName, "arn:"):
		return invalid("AccessRoleName", "must be a role name, not an ARN")
	case strings.Contains(a.AccessRoleName, "/"):
		return invalid("AccessRoleName", "must be a role name without a path")
	case len(a.AccessRoleName) > maxRoleNameLen:
		return invalid("AccessRoleName", "must be at most %d characters", maxRoleNameLen)
	case !roleNameRE.MatchString(a.AccessRoleName):
		return invalid("AccessRoleName", "may contain only letters, digits and +=,.@_-")
	}
	return nil
}

func (a Application) validateClaimName() error {
	const field = "JWTClaimName"
	if a.JWTClaimName == "" {
		return invalid(field, "required")
	}
	if !utf8.ValidString(a.JWTClaimName) {
		return invalid(field, "must be valid UTF-8")
	}
	if n := utf8.RuneCountInString(a.JWTClaimName); n > maxClaimLen {
		return invalid(field, "must be at most %d characters", maxClaimLen)
	}
	if strings.IndexFunc(a.JWTClaimName, unicode.IsControl) >= 0 {
		return invalid(field, "must not contain control characters")
	}
	return nil
}

func (a Application) validateJWKSetURL() error {
	const field = "JWKSetURL"
	raw := a.JWKSetURL
	switch {
	case raw == "":
		return invalid(field, "required")
	case len(raw) > maxURLLen:
		return invalid(field, "must be at most %d bytes", maxURLLen)
	case !utf8.ValidString(raw):
		return invalid(field, "must be valid UTF-8")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return invalid(field, "not a URL")
	}
	if !u.IsAbs() || u.Host == "" {
		return invalid(field, "must be an absolute URL with a host")
	}
	return nil
}

// validOptional checks an optional free-text field: valid UTF-8 (so every
// backend stores it byte for byte) and at most limit bytes.
func validOptional(field, v string, limit int) error {
	if len(v) > limit {
		return invalid(field, "must be at most %d bytes", limit)
	}
	if !utf8.ValidString(v) {
		return invalid(field, "must be valid UTF-8")
	}
	return nil
}

// validTagKey applies the STS Tag.Key rules and refuses the reserved "aws:"
// prefix.
func validTagKey(k string) error {
	const field = "SessionTagKey"
	if k == "" {
		return invalid(field, "required")
	}
	if err := tagChars(k, maxTagKeyLen); err != "" {
		return invalid(field, "%s", err)
	}
	if len(k) >= 4 && strings.EqualFold(k[:4], "aws:") {
		return invalid(field, `must not start with "aws:"`)
	}
	return nil
}

// ValidTagValue checks v against the STS session tag value rules: at most
// 256 characters of Unicode letters, numbers, separators (spaces) and
// _.:/=+-@. The server calls it on the verified claim before AssumeRole.
// The error never contains v.
func ValidTagValue(v string) error {
	if err := tagChars(v, maxTagValueLen); err != "" {
		return invalid("session tag value", "%s", err)
	}
	return nil
}

// tagChars checks the STS tag character set [\p{L}\p{Z}\p{N}_.:/=+\-@] and
// a length limit in characters; it returns a reason or "".
func tagChars(s string, limit int) string {
	if !utf8.ValidString(s) {
		return "must be valid UTF-8"
	}
	if utf8.RuneCountInString(s) > limit {
		return fmt.Sprintf("must be at most %d characters", limit)
	}
	for _, r := range s {
		if !tagRune(r) {
			return "may contain only letters, numbers, spaces and _.:/=+-@"
		}
	}
	return ""
}

func tagRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.In(r, unicode.Z) || unicode.IsNumber(r) ||
		strings.ContainsRune("_.:/=+-@", r)
}
