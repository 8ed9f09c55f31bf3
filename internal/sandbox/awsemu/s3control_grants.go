package awsemu

import (
	"errors"
	"slices"
	"strings"
)

// s3cTarget is a set of S3 keys: one object, or every key of bucket that
// starts with key (prefix).
type s3cTarget struct {
	bucket, key string
	prefix      bool
}

// s3cSplit splits s3://bucket/rest; the only wildcard is a trailing '*'.
func s3cSplit(uri string) (bucket, rest string, err error) {
	after, ok := strings.CutPrefix(uri, "s3://")
	if !ok {
		return "", "", errors.New("target must start with s3://")
	}
	bucket, rest, _ = strings.Cut(after, "/")
	if bucket == "" || strings.Contains(bucket, "*") {
		return "", "", errors.New("target must name a bucket")
	}
	if strings.Contains(strings.TrimSuffix(rest, "*"), "*") {
		return "", "", errors.New("the only wildcard allowed is a trailing '*'")
	}
	return bucket, rest, nil
}

// s3cParseScope parses a grant scope: s3://b/* and s3://b (whole bucket),
// s3://b/p/* and s3://b/p* (keys starting with p/ resp. p), or one object.
func s3cParseScope(scope string) (s3cTarget, error) {
	bucket, rest, err := s3cSplit(scope)
	if err != nil {
		return s3cTarget{}, err
	}
	if rest == "" || strings.HasSuffix(rest, "*") {
		return s3cTarget{bucket: bucket, key: strings.TrimSuffix(rest, "*"), prefix: true}, nil
	}
	return s3cTarget{bucket: bucket, key: rest}, nil
}

// s3cParseRequest parses a GetDataAccess target. With targetType=Object it
// is one object; otherwise it is a prefix (a trailing '*' is optional:
// s3://b/p/ and s3://b/p/* both mean every key under p/).
func s3cParseRequest(target string, object bool) (s3cTarget, error) {
	bucket, rest, err := s3cSplit(target)
	if err != nil {
		return s3cTarget{}, err
	}
	if object {
		if rest == "" || strings.HasSuffix(rest, "*") || strings.HasSuffix(rest, "/") {
			return s3cTarget{}, errors.New("targetType Object requires an object key")
		}
		return s3cTarget{bucket: bucket, key: rest}, nil
	}
	return s3cTarget{bucket: bucket, key: strings.TrimSuffix(rest, "*"), prefix: true}, nil
}

// covers reports whether every key of t is in g.
func (g s3cTarget) covers(t s3cTarget) bool {
	if g.bucket != t.bucket {
		return false
	}
	if g.prefix {
		return strings.HasPrefix(t.key, g.key)
	}
	return !t.prefix && t.key == g.key
}

// s3cPermits reports whether a grant permission serves a requested one.
func s3cPermits(grant, requested string) bool {
	return grant == "READWRITE" || grant == requested
}

// s3cMatch is the grant chosen for a request.
type s3cMatch struct {
	rule        GrantRule
	granteeType string // DIRECTORY_USER or DIRECTORY_GROUP
}

// s3cMatchGrant returns the most specific (longest scope) grant to the user
// or one of groups that covers target with perm; a user grant wins a tie.
func s3cMatchGrant(grants []GrantRule, userID string, groups []string, target s3cTarget, perm string) (s3cMatch, bool) {
	var best s3cMatch
	found := false
	for _, g := range grants {
		typ := ""
		switch {
		case g.Grantee == userID:
			typ = "DIRECTORY_USER"
		case slices.Contains(groups, g.Grantee):
			typ = "DIRECTORY_GROUP"
		default:
			continue
		}
		scope, err := s3cParseScope(g.Scope)
		if err != nil || !scope.covers(target) || !s3cPermits(g.Permission, perm) {
			continue
		}
		better := !found || len(g.Scope) > len(best.rule.Scope) ||
			len(g.Scope) == len(best.rule.Scope) && typ == "DIRECTORY_USER" && best.granteeType != typ
		if better {
			best, found = s3cMatch{rule: g, granteeType: typ}, true
		}
	}
	return best, found
}
