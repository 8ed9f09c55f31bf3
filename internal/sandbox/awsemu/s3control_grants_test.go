package awsemu

import (
	"strings"
	"testing"
)

func TestS3CCovers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		scope, target string
		object        bool
		want          bool
	}{
		{"s3://b/*", "s3://b/x", true, true},
		{"s3://b", "s3://b/x/y", true, true},
		{"s3://b/*", "s3://c/x", true, false},
		{"s3://b/p/*", "s3://b/p/x", true, true},
		{"s3://b/p/*", "s3://b/p", true, false},
		{"s3://b/p/*", "s3://b/p2/x", true, false},
		{"s3://b/p*", "s3://b/p2/x", true, true},
		{"s3://b/p*", "s3://b/p", true, true},
		{"s3://b/p/*", "s3://b/p/", false, true},
		{"s3://b/p/*", "s3://b/p/*", false, true},
		{"s3://b/p/*", "s3://b/p*", false, false},
		{"s3://b/p/*", "s3://b/*", false, false},
		{"s3://b/key", "s3://b/key", true, true},
		{"s3://b/key", "s3://b/key2", true, false},
		{"s3://b/key", "s3://b/key", false, false},
		{"s3://b/p/key", "s3://b/p/*", false, false},
	}
	for _, tt := range tests {
		scope, err := s3cParseScope(tt.scope)
		if err != nil {
			t.Fatalf("parse scope %s: %v", tt.scope, err)
		}
		target, err := s3cParseRequest(tt.target, tt.object)
		if err != nil {
			t.Fatalf("parse target %s: %v", tt.target, err)
		}
		if got := scope.covers(target); got != tt.want {
			t.Errorf("%s covers %s (object %v) = %v, want %v", tt.scope, tt.target, tt.object, got, tt.want)
		}
	}
}

func TestS3CParseErrors(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "s3://", "s3:///x", "https://b/x", "s3://b*/x", "s3://b/*/x", "s3://b/a**"} {
		if _, err := s3cParseScope(s); err == nil {
			t.Errorf("s3cParseScope(%q) accepted", s)
		}
		if _, err := s3cParseRequest(s, false); err == nil {
			t.Errorf("s3cParseRequest(%q) accepted", s)
		}
	}
	for _, s := range []string{"s3://b", "s3://b/", "s3://b/p/", "s3://b/p*"} {
		if _, err := s3cParseRequest(s, true); err == nil {
			t.Errorf("object target %q accepted", s)
		}
	}
}

func TestS3CMatchGrantTies(t *testing.T) {
	t.Parallel()
	grants := []GrantRule{
		{Grantee: "g", Scope: "s3://b/p/*", Permission: "READ"},
		{Grantee: "u", Scope: "s3://b/p/*", Permission: "READ"},
		{Grantee: "u", Scope: "s3://b/bad/*/x", Permission: "READ"},
	}
	target, _ := s3cParseRequest("s3://b/p/x", true)
	m, ok := s3cMatchGrant(grants, "u", []string{"g"}, target, "READ")
	if !ok || m.granteeType != "DIRECTORY_USER" || m.rule.Grantee != "u" {
		t.Errorf("tie = %+v %v, want the user grant", m, ok)
	}
	if _, ok := s3cMatchGrant(grants, "v", nil, target, "READ"); ok {
		t.Error("matched a grant of another user")
	}
}

func FuzzS3CParse(f *testing.F) {
	for _, s := range []string{"s3://b/*", "s3://b/p/*", "s3://b/p*", "s3://b/key", "s3://b", "s3://*", "s3://b/**"} {
		f.Add(s, s, true)
	}
	f.Fuzz(func(t *testing.T, scope, target string, object bool) {
		g, err := s3cParseScope(scope)
		if err != nil {
			return
		}
		if strings.Contains(g.bucket, "/") || strings.Contains(g.key, "*") {
			t.Errorf("scope %q parsed to %+v", scope, g)
		}
		r, err := s3cParseRequest(target, object)
		if err != nil {
			return
		}
		// A grant never covers a target in another bucket, and an object
		// grant never covers a prefix.
		if g.covers(r) && (g.bucket != r.bucket || !g.prefix && r.prefix) {
			t.Errorf("%+v covers %+v", g, r)
		}
		if r.prefix == object {
			t.Errorf("target %q object=%v parsed as prefix=%v", target, object, r.prefix)
		}
	})
}
