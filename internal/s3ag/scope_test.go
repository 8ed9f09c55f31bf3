package s3ag

import "testing"

func TestScopeCovers(t *testing.T) {
	tests := []struct {
		scope, target string
		want          bool
	}{
		// Bucket-wide grant.
		{"s3://b1b/*", "s3://b1b/x", true},
		{"s3://b1b/*", "s3://b1b/a/b/c.txt", true},
		{"s3://b1b/*", "s3://b1b/p/", true},
		{"s3://b1b/*", "s3://b1b/p/*", true},
		{"s3://b1b/*", "s3://b1b/p*", true},
		{"s3://b1b/*", "s3://b1b/*", true},
		{"s3://b1b/*", "s3://b1b", true},
		{"s3://b1b/*", "s3://b1b/", true},
		{"s3://b1b/*", "s3://b1b2/x", false},
		{"s3://b1b/*", "s3://other/x", false},
		// Prefix grant p/*.
		{"s3://b1b/p/*", "s3://b1b/p/x", true},
		{"s3://b1b/p/*", "s3://b1b/p/q/r/s.txt", true},
		{"s3://b1b/p/*", "s3://b1b/p/", true},
		{"s3://b1b/p/*", "s3://b1b/p/*", true},
		{"s3://b1b/p/*", "s3://b1b/p/q/", true},
		{"s3://b1b/p/*", "s3://b1b/p/q/*", true},
		{"s3://b1b/p/*", "s3://b1b/p/q*", true},
		{"s3://b1b/p/*", "s3://b1b/p", false},
		{"s3://b1b/p/*", "s3://b1b/p*", false},
		{"s3://b1b/p/*", "s3://b1b/px", false},
		{"s3://b1b/p/*", "s3://b1b/q/p/x", false},
		{"s3://b1b/p/*", "s3://b1b/*", false},
		{"s3://b1b/p/*", "s3://b1b", false},
		{"s3://b1b/p/*", "s3://b1b/", false},
		{"s3://b1b/p/q/*", "s3://b1b/p/*", false},
		{"s3://b1b/p/q/*", "s3://b1b/p/", false},
		{"s3://b1b/p/q/*", "s3://b1b/p/q/deep/er/x", true},
		{"s3://b1b/p/*", "s3://b2b/p/x", false},
		// Sibling prefixes must not match.
		{"s3://b1b/alice/*", "s3://b1b/alice2/x", false},
		{"s3://b1b/alice/*", "s3://b1b/alice2/", false},
		{"s3://b1b/alice/*", "s3://b1b/alice", false},
		{"s3://b1b/alice/*", "s3://b1b/alice/x", true},
		{"s3://b1b/alice", "s3://b1b/alice2/", false},
		{"s3://b1b/alice", "s3://b1b/alice/x", false},
		// Prefix* grant.
		{"s3://b1b/alice*", "s3://b1b/alice2/x", true},
		{"s3://b1b/alice*", "s3://b1b/alice/x", true},
		{"s3://b1b/alice*", "s3://b1b/alice", true},
		{"s3://b1b/alice*", "s3://b1b/alice2/", true},
		{"s3://b1b/alice*", "s3://b1b/alice/*", true},
		{"s3://b1b/alice*", "s3://b1b/alice*", true},
		{"s3://b1b/alice*", "s3://b1b/alicex*", true},
		{"s3://b1b/alice*", "s3://b1b/ali*", false},
		{"s3://b1b/alice*", "s3://b1b/alic", false},
		{"s3://b1b/alice*", "s3://b1b/bob/alice", false},
		{"s3://b1b/alice*", "s3://b1b", false},
		// Object grant.
		{"s3://b1b/p/o.txt", "s3://b1b/p/o.txt", true},
		{"s3://b1b/p/o.txt", "s3://b1b/p/o.txt2", false},
		{"s3://b1b/p/o.txt", "s3://b1b/p/o.tx", false},
		{"s3://b1b/p/o.txt", "s3://b1b/p/o.txt/", false},
		{"s3://b1b/p/o.txt", "s3://b1b/p/o.txt*", false},
		{"s3://b1b/p/o.txt", "s3://b1b/p/", false},
		{"s3://b1b/p/o.txt", "s3://b1b/p/*", false},
		// Only a trailing * is a wildcard.
		{"s3://b1b/a*b", "s3://b1b/a*b", true},
		{"s3://b1b/a*b", "s3://b1b/axb", false},
		{"s3://b1b/a*/x", "s3://b1b/a1/x", false},
		{"s3://b1b/a*/*", "s3://b1b/a*/x", true},
		{"s3://b1b/a*/*", "s3://b1b/ab/x", false},
		{"s3://b1b/**", "s3://b1b/*x", true},
		{"s3://b1b/**", "s3://b1b/x", false},
		// Scopes without a wildcard name one object, never a prefix.
		{"s3://b1b/p/", "s3://b1b/p/x", false},
		{"s3://b1b/p/", "s3://b1b/p/", false},
		{"s3://b1b", "s3://b1b", false},
		{"s3://b1b", "s3://b1b/x", false},
		{"s3://b1b/", "s3://b1b/x", false},
		// Malformed inputs cover nothing.
		{"", "s3://b1b/x", false},
		{"s3://b1b/*", "", false},
		{"S3://b1b/*", "s3://b1b/x", false},
		{"s3://b*", "s3://b1b/x", false},
		{"s3://B1B/*", "s3://B1B/x", false},
		{"s3://b1b/*", "s3://b1b/x\n", false},
		{"b1b/*", "b1b/x", false},
	}
	for _, tt := range tests {
		if got := scopeCovers(tt.scope, tt.target); got != tt.want {
			t.Errorf("ScopeCovers(%q, %q) = %v, want %v", tt.scope, tt.target, got, tt.want)
		}
	}
}

func TestSpecificity(t *testing.T) {
	order := []string{"bad", "s3://b1b/*", "s3://b1b/p*", "s3://b1b/p/*", "s3://b1b/p/q/*", "s3://b1b/p/q/o", "s3://b1b/p/q/longer-object"}
	for i := 1; i < len(order); i++ {
		if a, b := specificity(order[i-1]), specificity(order[i]); a >= b {
			t.Errorf("specificity(%q) = %d, not below specificity(%q) = %d", order[i-1], a, order[i], b)
		}
	}
}
