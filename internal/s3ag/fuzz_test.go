package s3ag

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzParseURI(f *testing.F) {
	for _, s := range []string{"s3://bucket", "s3://bucket/", "s3://bucket/p/*", "s3://b1b/alice*",
		"s3://a.b-c/k e y/ü", "s3://192.168.0.1/x", "s3://B/x", "s3:///x", "x", "s3://bkt/\x00", "s3://bkt/\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseURI(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "invalid S3 URI ") {
				t.Fatalf("ParseURI(%q) error %q lacks the common prefix", s, err)
			}
			return
		}
		if utf8.RuneCountInString(s) > MaxURILength || !utf8.ValidString(s) {
			t.Fatalf("ParseURI(%q) accepted an over-long or invalid string", s)
		}
		if validateBucket(u.Bucket) != nil || strings.Contains(u.Bucket, "/") {
			t.Fatalf("ParseURI(%q) gave bad bucket %q", s, u.Bucket)
		}
		out := u.String()
		if out != s && out+"/" != s {
			t.Fatalf("ParseURI(%q).String() = %q", s, out)
		}
		if back, err := ParseURI(out); err != nil || back != u {
			t.Fatalf("round trip of %q: %+v, %v; want %+v", s, back, err, u)
		}
		if (Request{Target: u, Permission: PermissionRead, AccountID: testAccount}).Validate() != nil {
			t.Fatalf("parsed URI %q fails request validation", s)
		}
		wild := URI{Bucket: u.Bucket, Key: u.Key + "*"}.String()
		if _, err := ParseURI(wild); err == nil && !ScopeCovers(wild, wild) {
			t.Fatalf("wildcard %q does not cover itself", wild)
		}
		if !ScopeCovers(uriScheme+u.Bucket+"/*", out) {
			t.Fatalf("bucket-wide scope does not cover %q", out)
		}
	})
}

func FuzzScopeCovers(f *testing.F) {
	for _, p := range [][2]string{
		{"s3://b1b/*", "s3://b1b/x"}, {"s3://b1b/alice/*", "s3://b1b/alice2/x"},
		{"s3://b1b/alice*", "s3://b1b/alice2/x"}, {"s3://b1b/p/*", "s3://b1b/p/q/*"},
		{"s3://b1b/o", "s3://b1b/o"}, {"s3://b1b/*", "s3://b1b"}, {"s3://b1b/p/q/*", "s3://b1b/p/"},
	} {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, scope, target string) {
		if !ScopeCovers(scope, target) {
			return
		}
		su, err1 := ParseURI(scope)
		tu, err2 := ParseURI(target)
		if err1 != nil || err2 != nil || su.Bucket != tu.Bucket {
			t.Fatalf("ScopeCovers(%q, %q) true for unparsable or cross-bucket input", scope, target)
		}
		if !ScopeCovers(uriScheme+su.Bucket+"/*", target) {
			t.Fatalf("bucket-wide scope does not cover %q", target)
		}
		// A covered prefix target covers every narrower target too.
		if ts := targetSet(tu); ts.all {
			for _, ext := range []string{"", "z", "/z", "z/*", "*"} {
				n := URI{Bucket: tu.Bucket, Key: ts.prefix + ext}.String()
				if _, err := ParseURI(n); err == nil && !ScopeCovers(scope, n) {
					t.Fatalf("ScopeCovers(%q, %q) but not narrower %q", scope, target, n)
				}
			}
		}
		// Anything the scope covers starts with its literal prefix.
		if p := strings.TrimSuffix(su.Key, "*"); !strings.HasPrefix(tu.Key, p) {
			t.Fatalf("ScopeCovers(%q, %q) but key lacks prefix %q", scope, target, p)
		}
	})
}
