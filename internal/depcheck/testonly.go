package depcheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// The go command below is "go" from PATH: `go test` puts the running
// toolchain's bin directory first on the PATH of the test binary, so it is
// the same toolchain without asking runtime.GOROOT.

// TestOnly returns the deps that exist only for tests: the standard
// testing packages (testing, testing/..., net/http/httptest) and the
// packages of module whose last path element starts or ends with "test"
// (storetest, iostreamstest, testkit, testkey, …) or is depcheck itself.
func TestOnly(deps []string, module string) []string {
	var out []string
	for _, d := range deps {
		if d == "testing" || strings.HasPrefix(d, "testing/") || d == "net/http/httptest" {
			out = append(out, d)
			continue
		}
		if d != module && !strings.HasPrefix(d, module+"/") {
			continue
		}
		base := path.Base(d)
		if strings.HasPrefix(base, "test") || strings.HasSuffix(base, "test") || base == "depcheck" {
			out = append(out, d)
		}
	}
	return out
}

// Symbols builds the main package pkg into a temporary directory and
// returns the set of symbol names `go tool nm` lists in the binary. It
// skips under -short and fails when the list is implausibly short.
func Symbols(t testing.TB, pkg string) map[string]bool {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a binary")
	}
	bin := filepath.Join(t.TempDir(), path.Base(pkg))
	if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	out, err := exec.Command("go", "tool", "nm", bin).Output()
	if err != nil {
		t.Fatalf("go tool nm %s: %v", pkg, err)
	}
	syms := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n") {
		// "  addr T name" (or "  U name"): the name is the last field.
		if f := strings.Fields(line); len(f) >= 2 {
			syms[f[len(f)-1]] = true
		}
	}
	if len(syms) < 1000 {
		t.Fatalf("go tool nm %s listed %d symbols: is the check broken?", pkg, len(syms))
	}
	return syms
}

// Hooks returns the linker symbol names of the exported functions and
// methods declared in the files named *hooks.go of the packages pattern
// matches (`go list` syntax): path.F, path.T.M or path.(*T).M. Those
// files hold test hooks, which no shipped binary may link.
func Hooks(t testing.TB, pattern string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}\t{{.Dir}}\t{{join .GoFiles \" \"}}", pattern).Output()
	if err != nil {
		t.Fatalf("go list %s: %v", pattern, err)
	}
	var hooks []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.SplitN(line, "\t", 3)
		if len(f) != 3 {
			t.Fatalf("go list %s: unexpected line %q", pattern, line)
		}
		for _, name := range strings.Fields(f[2]) {
			if strings.HasSuffix(name, "hooks.go") {
				hooks = append(hooks, fileHooks(t, f[0], filepath.Join(f[1], name))...)
			}
		}
	}
	return hooks
}

// fileHooks lists the exported top-level functions and methods of file as
// linker symbols of package importPath.
func fileHooks(t testing.TB, importPath, file string) []string {
	t.Helper()
	af, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range af.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || !fn.Name.IsExported() {
			continue
		}
		if fn.Recv == nil || len(fn.Recv.List) == 0 {
			out = append(out, importPath+"."+fn.Name.Name)
			continue
		}
		switch r := fn.Recv.List[0].Type.(type) {
		case *ast.StarExpr:
			if id, ok := r.X.(*ast.Ident); ok {
				out = append(out, importPath+".(*"+id.Name+")."+fn.Name.Name)
			}
		case *ast.Ident:
			out = append(out, importPath+"."+r.Name+"."+fn.Name.Name)
		}
	}
	return out
}
