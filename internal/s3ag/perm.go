package s3ag

import (
	"fmt"
	"strings"
)

// Permission is an S3 Access Grants permission: READ, WRITE or READWRITE.
type Permission string

// Permissions GetDataAccess accepts.
const (
	PermissionRead      Permission = "READ"
	PermissionWrite     Permission = "WRITE"
	PermissionReadWrite Permission = "READWRITE"
)

// ParsePermission parses a permission case-insensitively and returns its
// canonical upper-case form.
func ParsePermission(s string) (Permission, error) {
	switch p := Permission(strings.ToUpper(s)); p {
	case PermissionRead, PermissionWrite, PermissionReadWrite:
		return p, nil
	}
	return "", fmt.Errorf("invalid permission %q: must be READ, WRITE or READWRITE", s)
}

// covers reports whether credentials granted with permission granted serve
// a request for permission wanted: equal permissions, or READWRITE for READ
// or WRITE. Unknown permissions cover nothing.
func covers(granted, wanted Permission) bool {
	switch wanted {
	case PermissionRead, PermissionWrite, PermissionReadWrite:
	default:
		return false
	}
	return granted == wanted || granted == PermissionReadWrite
}

// Privilege is the GetDataAccess privilege: Default scopes the credentials
// to the matched grant, Minimal to the requested target.
type Privilege string

// Privileges GetDataAccess accepts.
const (
	PrivilegeDefault Privilege = "Default"
	PrivilegeMinimal Privilege = "Minimal"
)

// parsePrivilege parses a privilege case-insensitively and returns its
// canonical form (Default or Minimal).
func parsePrivilege(s string) (Privilege, error) {
	switch strings.ToLower(s) {
	case "default":
		return PrivilegeDefault, nil
	case "minimal":
		return PrivilegeMinimal, nil
	}
	return "", fmt.Errorf("invalid privilege %q: must be Default or Minimal", s)
}

// targetTypeObject is the only non-empty GetDataAccess target type.
const targetTypeObject = "Object"

// parseTargetType checks a target type for target and returns its canonical
// form: "" (bucket or prefix) or "Object" (case-insensitive input), which
// is valid only when target names one object (a key not ending in "/").
func parseTargetType(s string, target URI) (string, error) {
	if s == "" {
		return "", nil
	}
	if !strings.EqualFold(s, targetTypeObject) {
		return "", fmt.Errorf("invalid target type %q: must be Object or empty", s)
	}
	if target.Key == "" || strings.HasSuffix(target.Key, "/") {
		return "", fmt.Errorf("target type Object needs an object key, not %s", target)
	}
	return targetTypeObject, nil
}
