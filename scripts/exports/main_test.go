package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestScan counts a small module: a name another package's code uses is
// used, one only another package's test uses is "tests only", a type
// another package reaches through a used function's result or a called
// method's result is used (via API), one behind an unexported field or a
// method no other package calls is not, and names used only inside their
// own package (its tests included), methods aside, are unused.
func TestScan(t *testing.T) {
	root := t.TempDir()
	write := func(rel, src string) {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/m\n\ngo 1.22\n")
	write("internal/a/a.go", `package a

const (
	C = 1
	c = 2
)

var V = C

type T struct{}

func (T) M() {}

type Y struct{}

type Z struct{}

func (T) Shown() Y  { return Y{} }
func (T) Hidden() Z { return Z{} }

type H struct{}

type R struct{ h H }

func Used() T      { return T{} }
func TestUsed()   {}
func Self()       {}
`)
	write("internal/a/a_test.go", "package a\n\nfunc helper() { Self() }\n")
	write("internal/a/ext_test.go", "package a_test\n\nimport \"example.com/m/internal/a\"\n\nvar _ = a.V\n")
	write("internal/b/b.go", "package b\n\nimport x \"example.com/m/internal/a\"\n\nfunc B() { x.Used().M(); _ = x.R{}; _ = x.Used().Shown() }\n")
	write("internal/b/b_test.go", "package b\n\nimport \"example.com/m/internal/a\"\n\nfunc helper() { a.TestUsed() }\n")
	write("cmd/c/main.go", "package main\n\nimport \"example.com/m/internal/b\"\n\nfunc main() { b.B() }\n")

	pkgs, err := scan(root)
	if err != nil {
		t.Fatal(err)
	}
	a, b := pkgs["example.com/m/internal/a"], pkgs["example.com/m/internal/b"]
	if a == nil || b == nil || len(pkgs) != 2 {
		t.Fatalf("packages = %v", pkgs)
	}
	none, tests := a.unusedNames()
	if want := []string{"C", "H", "Self", "V", "Z"}; !slices.Equal(none, want) {
		t.Errorf("a unused = %q, want %q", none, want)
	}
	if want := []string{"TestUsed"}; !slices.Equal(tests, want) {
		t.Errorf("a tests only = %q, want %q", tests, want)
	}
	if !a.viaAPI["T"] || !a.viaAPI["Y"] || len(a.viaAPI) != 2 {
		t.Errorf("a via API = %v, want T and Y", a.viaAPI)
	}
	if none, tests := b.unusedNames(); len(none) != 0 || len(tests) != 0 {
		t.Errorf("b: unused %q, tests only %q; want none (cmd/c uses B)", none, tests)
	}
}
