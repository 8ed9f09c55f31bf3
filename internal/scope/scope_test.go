package scope

import (
	"errors"
	"os"
	"testing"

	"github.com/tip-cli/tip-cli/internal/config"
)

// TestKey pins the cache keys: stores written before the move from
// package exchange hold sessions under these exact names.
func TestKey(t *testing.T) {
	tests := []struct {
		s    Scope
		want string
	}{
		{Scope{}, ""},
		// sha256(policy, then "\x00"+ARN for each ARN), first 16 hex digits
		// (computed independently with Python's hashlib).
		{Scope{Policy: `{"Statement":[]}`}, "scoped-701f12e2a4564193"},
		{Scope{PolicyARNs: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}}, "scoped-e5dd366468e357de"},
		{Scope{Policy: "p", PolicyARNs: []string{"a", "b"}}, "scoped-04d6bfc65297ac0a"},
	}
	for _, tt := range tests {
		if got := tt.s.Key(); got != tt.want {
			t.Errorf("%+v.Key() = %q, want %q", tt.s, got, tt.want)
		}
	}
}

func TestResolve(t *testing.T) {
	prof := &config.Profile{SessionPolicy: `{"Version":"2012-10-17","Statement":[]}`, SessionPolicyARNs: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}}
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	read := func(p string) ([]byte, error) {
		if p == "/p.json" {
			return []byte(doc), nil
		}
		return nil, os.ErrNotExist
	}
	tests := []struct {
		name  string
		flags Flags
		want  Scope
		usage bool
	}{
		{"profile defaults", Flags{}, Scope{Policy: prof.SessionPolicy, PolicyARNs: prof.SessionPolicyARNs}, false},
		{"inline", Flags{Policy: doc}, Scope{Policy: doc}, false},
		{"file", Flags{Policy: "file:///p.json", PolicyARNs: []string{"x"}}, Scope{Policy: doc, PolicyARNs: []string{"x"}}, false},
		{"ARNs only", Flags{PolicyARNs: []string{"x"}}, Scope{PolicyARNs: []string{"x"}}, false},
		{"missing file", Flags{Policy: "file:///nope"}, Scope{}, true},
		{"bad JSON", Flags{Policy: "{not json"}, Scope{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.flags.Resolve(prof, read)
			var ue *UsageError
			if tt.usage != errors.As(err, &ue) || (err != nil && !tt.usage) {
				t.Fatalf("err = %v, want usage error %v", err, tt.usage)
			}
			if !tt.usage && got.Key() != tt.want.Key() {
				t.Errorf("Resolve = %+v, want %+v", got, tt.want)
			}
		})
	}
}
