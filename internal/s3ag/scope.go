package s3ag

import "strings"

// keySet is the set of object keys an S3 URI names within one bucket:
// either exactly one key, or every key starting with prefix.
type keySet struct {
	bucket string
	// prefix is the common prefix when all is true, else the one key.
	prefix string
	// all is true for a prefix set (every key starting with prefix).
	all bool
}

// scopeSet reads a grant scope. A trailing "*" makes a prefix set;
// anything else names exactly one object (so a scope with an empty key
// names nothing a request can ask for).
func scopeSet(u URI) keySet {
	if p, ok := strings.CutSuffix(u.Key, "*"); ok {
		return keySet{bucket: u.Bucket, prefix: p, all: true}
	}
	return keySet{bucket: u.Bucket, prefix: u.Key}
}

// targetSet reads a requested target. The whole bucket (empty key), a key
// ending in "/" and a key ending in "*" name every key under that prefix;
// any other key names one object.
func targetSet(u URI) keySet {
	switch {
	case u.Key == "", strings.HasSuffix(u.Key, "/"):
		return keySet{bucket: u.Bucket, prefix: u.Key, all: true}
	case strings.HasSuffix(u.Key, "*"):
		return keySet{bucket: u.Bucket, prefix: strings.TrimSuffix(u.Key, "*"), all: true}
	}
	return keySet{bucket: u.Bucket, prefix: u.Key}
}

// contains reports whether every key in t is in s.
func (s keySet) contains(t keySet) bool {
	if s.bucket != t.bucket {
		return false
	}
	if !s.all {
		return !t.all && s.prefix == t.prefix
	}
	return strings.HasPrefix(t.prefix, s.prefix)
}

// scopeCovers reports whether the grant scope covers every object the
// target can name, following S3 Access Grants semantics:
//
//   - s3://b/* covers everything in bucket b;
//   - s3://b/p/* covers keys under p/; s3://b/p* covers keys starting
//     with p (so s3://b/alice* covers s3://b/alice2/x, s3://b/alice/* does not);
//   - a scope without a trailing "*" covers exactly that object.
//
// A target that is the whole bucket (s3://b, s3://b/), a prefix
// (s3://b/p/) or a wildcard (s3://b/p*) is covered only when all keys it
// can name are. Only a trailing "*" is a wildcard. Unparsable scopes or
// targets cover and are covered by nothing.
func scopeCovers(scope, target string) bool {
	su, err := ParseURI(scope)
	if err != nil {
		return false
	}
	tu, err := ParseURI(target)
	if err != nil {
		return false
	}
	return scopeSet(su).contains(targetSet(tu))
}

// exactRank lifts object scopes above every wildcard: keys are at most
// MaxURILength runes, so at most 4*MaxURILength bytes.
const exactRank = 4*MaxURILength + 1

// specificity ranks a scope: one object beats any wildcard, and a longer
// wildcard prefix beats a shorter one. Unparsable scopes rank lowest.
func specificity(scope string) int {
	u, err := ParseURI(scope)
	if err != nil {
		return -1
	}
	s := scopeSet(u)
	if !s.all {
		return exactRank + len(s.prefix)
	}
	return len(s.prefix)
}
