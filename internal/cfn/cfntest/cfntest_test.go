package cfntest

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestRefs(t *testing.T) {
	got := refs(map[string]any{
		"a": Sub("x-${Missing.Arn}-${AWS::Region}-${!Literal}"),
		"b": Ref("P"),
		"c": []any{GetAtt("R", "Arn"), Ref("AWS::AccountId")},
	})
	slices.Sort(got)
	if want := []string{"Missing", "P", "R"}; !slices.Equal(got, want) {
		t.Errorf("Refs = %v, want %v", got, want)
	}
}

func TestRefProblems(t *testing.T) {
	res := func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name string
		tmpl map[string]any
		want []string // substrings, one per problem
	}{
		{"clean", map[string]any{
			"Parameters": res("P", map[string]any{"Type": "String"}),
			"Resources": res("A", map[string]any{"Properties": map[string]any{"X": Ref("P")}},
				"B", map[string]any{"DependsOn": []any{"A"}, "Properties": map[string]any{"Y": Sub("${A.Arn}")}}),
			"Outputs": res("O", map[string]any{"Value": GetAtt("B", "Arn")}),
		}, nil},
		{"dangling and unused", map[string]any{
			"Parameters": res("Unused", map[string]any{"Type": "String"}),
			"Resources":  res("A", map[string]any{"Properties": map[string]any{"X": Sub("${Missing}")}}),
			"Outputs":    res("O", map[string]any{"Value": Ref("Gone")}),
		}, []string{"A references unknown resource or parameter Missing", "output references unknown resource Gone", "parameter Unused is never used"}},
		{"unknown DependsOn", map[string]any{
			"Resources": res("A", map[string]any{"DependsOn": "Nope"}),
		}, []string{"A references unknown resource or parameter Nope"}},
		{"cycle", map[string]any{
			"Resources": res("A", map[string]any{"Properties": Ref("B")}, "B", map[string]any{"DependsOn": []any{"A"}}),
		}, []string{"circular dependency: A -> B -> A"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := refProblems(tt.tmpl)
			if len(got) != len(tt.want) {
				t.Fatalf("problems = %q, want %q", got, tt.want)
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("problem %d = %q, want %q", i, got[i], w)
				}
			}
		})
	}
}

func TestShortTagRE(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"Value: !Ref Thing", true},
		{"- !GetAtt [A, Arn]", true},
		{"!Sub x", true},
		{"Fn::Sub: arn:${!Literal}", false},
		{`"Fn::Sub": "a!b"`, false},
	}
	for _, tt := range tests {
		if got := shortTagRE.MatchString(tt.in); got != tt.want {
			t.Errorf("shortTagRE(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

type fixed struct{ y, j string }

func (f fixed) YAML() ([]byte, error) { return []byte(f.y), nil }
func (f fixed) JSON() ([]byte, error) { return []byte(f.j), nil }

// TestGoldenUpdate writes golden files with update and then matches them.
func TestGoldenUpdate(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.Mkdir("testdata", 0o755); err != nil {
		t.Fatal(err)
	}
	tmpl := fixed{y: "A: 1\n", j: "{\"A\": 1}\n"}
	build := func() (Encoder, error) { return tmpl, nil }
	for _, name := range []string{"t.yaml", "t.json"} {
		Golden(t, name, build, true)
		Golden(t, name, build, false)
	}
	b, err := os.ReadFile(filepath.Join("testdata", "t.json"))
	if err != nil || string(b) != tmpl.j {
		t.Errorf("t.json = %q, %v; want the JSON encoding", b, err)
	}
	sameDocument(t, tmpl)
	if got := ParseYAML(t, tmpl); Get(t, got, "A") != 1 {
		t.Errorf("ParseYAML = %v", got)
	}
}
