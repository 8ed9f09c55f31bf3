package depcheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// docPath is docs/architecture.md, seen from this package.
var docPath = filepath.Join("..", "..", "docs", "architecture.md")

// pkgInfo is what `go list` says about one package of the module, with
// import paths relative to the module ("internal/app", "cmd/tip-cli").
type pkgInfo struct {
	dir     string
	name    string
	files   []string // non-test Go files
	imports []string // non-test imports, module-relative when in the module
}

// modulePackages lists the module's packages under cmd/ and internal/.
func modulePackages(t *testing.T) (string, map[string]pkgInfo) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs go list")
	}
	modOut, err := exec.Command("go", "list", "-m").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	mod := strings.TrimSpace(string(modOut))
	out, err := exec.Command("go", "list", "-f",
		"{{.ImportPath}}\t{{.Name}}\t{{.Dir}}\t{{join .GoFiles \" \"}}\t{{join .Imports \" \"}}", mod+"/...").Output()
	if err != nil {
		t.Fatalf("go list %s/...: %v", mod, err)
	}
	pkgs := map[string]pkgInfo{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 5 {
			t.Fatalf("go list line %q", line)
		}
		rel := strings.TrimPrefix(f[0], mod+"/")
		if !strings.HasPrefix(rel, "internal/") && !strings.HasPrefix(rel, "cmd/") {
			continue
		}
		p := pkgInfo{dir: f[2], name: f[1], files: strings.Fields(f[3])}
		for _, imp := range strings.Fields(f[4]) {
			p.imports = append(p.imports, strings.TrimPrefix(imp, mod+"/"))
		}
		pkgs[rel] = p
	}
	if len(pkgs) < 40 || pkgs["internal/app"].dir == "" {
		t.Fatalf("go list found %d packages without internal/app: is the check broken?", len(pkgs))
	}
	return mod, pkgs
}

// readDoc returns docs/architecture.md.
func readDoc(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// codeBlockAfter returns the first fenced block after heading.
func codeBlockAfter(t *testing.T, doc, heading string) string {
	t.Helper()
	_, rest, ok := strings.Cut(doc, "\n"+heading+"\n")
	if !ok {
		t.Fatalf("docs/architecture.md has no %q", heading)
	}
	_, rest, ok = strings.Cut(rest, "```\n")
	block, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatalf("no code block after %q", heading)
	}
	return block
}

// resolve turns a short name of the docs ("app", "cmd/root",
// "broker/server", "cmd/tip-cli") into a module-relative package path.
func resolve(pkgs map[string]pkgInfo, short string) (string, bool) {
	for _, p := range []string{"internal/" + short, short} {
		if _, ok := pkgs[p]; ok {
			return p, true
		}
	}
	return "", false
}

// TestArchitecturePackageTable: every package under cmd/ and internal/ has
// a row in the "Packages" table, and every row names a package that exists.
func TestArchitecturePackageTable(t *testing.T) {
	_, pkgs := modulePackages(t)
	listed := map[string]bool{}
	for _, line := range strings.Split(codeBlockAfter(t, readDoc(t), "## Packages"), "\n") {
		if strings.HasPrefix(line, "internal/") || strings.HasPrefix(line, "cmd/") {
			listed[strings.Fields(line)[0]] = true
		}
	}
	for p := range pkgs {
		if !listed[p] {
			t.Errorf("package %s has no row in docs/architecture.md's package table", p)
		}
	}
	for p := range listed {
		if _, ok := pkgs[p]; !ok {
			t.Errorf("docs/architecture.md's package table lists %s, which does not exist", p)
		}
	}
}

// arrowToken splits a diagram line into package names, arrows and commas.
var arrowToken = regexp.MustCompile(`─▶|,|[A-Za-z0-9_./-]+`)

// TestArchitectureImports: in the "Who imports whom" diagram, every
// `A ─▶ B, C` is a direct import of B and C by A, every name is a
// package, and every package on a "leaves:" line imports none of the
// module's packages.
func TestArchitectureImports(t *testing.T) {
	_, pkgs := modulePackages(t)
	arrows := 0
	for _, line := range strings.Split(codeBlockAfter(t, readDoc(t), "### Who imports whom"), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "leaves:"); ok {
			for _, short := range strings.FieldsFunc(rest, func(r rune) bool { return r == ',' || r == ' ' }) {
				p, ok := resolve(pkgs, short)
				if !ok {
					t.Errorf("diagram: leaf %q is not a package", short)
					continue
				}
				for _, imp := range pkgs[p].imports {
					if _, in := pkgs[imp]; in {
						t.Errorf("diagram calls %s a leaf, but it imports %s", p, imp)
					}
				}
			}
			continue
		}
		toks := arrowToken.FindAllString(line, -1)
		for i, tok := range toks {
			if tok != "─▶" {
				continue
			}
			if i == 0 || toks[i-1] == "─▶" || toks[i-1] == "," {
				t.Errorf("diagram line %q: an arrow without a package on its left", line)
				continue
			}
			from, ok := resolve(pkgs, toks[i-1])
			if !ok {
				t.Errorf("diagram line %q: %q is not a package", line, toks[i-1])
				continue
			}
			// The targets: the next name, then each name after a comma.
			for j := i + 1; j < len(toks); j += 2 {
				to, ok := resolve(pkgs, toks[j])
				if !ok {
					t.Errorf("diagram line %q: %q is not a package", line, toks[j])
				} else if !slices.Contains(pkgs[from].imports, to) {
					t.Errorf("diagram draws %s ─▶ %s, but %s does not import %s", from, to, from, to)
				}
				arrows++
				if j+1 >= len(toks) || toks[j+1] != "," {
					break
				}
			}
		}
	}
	if arrows < 40 {
		t.Errorf("found %d arrows in the diagram: is the parser broken?", arrows)
	}
}

// claim returns the backquoted names of the sentence of doc (whitespace
// folded) that re matches; re's group 1 holds the names.
func claim(t *testing.T, doc string, re *regexp.Regexp) []string {
	t.Helper()
	m := re.FindStringSubmatch(strings.Join(strings.Fields(doc), " "))
	if m == nil {
		t.Fatalf("docs/architecture.md has no sentence matching %q", re)
	}
	var names []string
	for _, n := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(m[1], -1) {
		names = append(names, n[1])
	}
	if len(names) == 0 {
		t.Fatalf("the sentence %q names nothing", m[0])
	}
	return names
}

// TestArchitectureClaims checks the sentences of docs/architecture.md that
// say which packages import cobra and which functions name the process's
// streams, and the package counts of the two tip-cli binaries.
func TestArchitectureClaims(t *testing.T) {
	mod, pkgs := modulePackages(t)
	doc := readDoc(t)

	t.Run("cobra", func(t *testing.T) {
		patterns := claim(t, doc, regexp.MustCompile(`cobra is imported by (.*?) and by no other package`))
		used := map[string]bool{}
		for p, info := range pkgs {
			if !slices.Contains(info.imports, "github.com/spf13/cobra") {
				continue
			}
			matched := false
			for _, pat := range patterns {
				if prefix, ok := strings.CutSuffix(pat, "*"); ok && strings.HasPrefix(p, prefix) {
					matched, used[pat] = true, true
				} else if r, ok := resolve(pkgs, pat); ok && r == p {
					matched, used[pat] = true, true
				}
			}
			if !matched {
				t.Errorf("%s imports cobra; the docs say only %s do", p, strings.Join(patterns, ", "))
			}
		}
		for _, pat := range patterns {
			if !used[pat] {
				t.Errorf("the docs say %s imports cobra; nothing there does", pat)
			}
		}
	})

	t.Run("streams", func(t *testing.T) {
		names := claim(t, doc, regexp.MustCompile("functions that name `os.Stdout`/`os.Stderr` are (.*?) and no others"))
		want := map[string]bool{}
		for _, n := range names {
			short, fn, _ := strings.Cut(n, ".")
			p, ok := resolve(pkgs, short)
			if !ok {
				t.Fatalf("the docs name %s, whose package does not exist", n)
			}
			want[p+"."+fn] = true
		}
		got := streamNamers(t, pkgs)
		for n := range got {
			if !want[n] {
				t.Errorf("%s names os.Stdout/os.Stderr; the docs name only %s", n, strings.Join(names, ", "))
			}
		}
		for n := range want {
			if !got[n] {
				t.Errorf("the docs say %s names os.Stdout/os.Stderr; it does not", n)
			}
		}
	})

	t.Run("counts", func(t *testing.T) {
		lean := regexp.MustCompile(`(\d+) packages in all on linux`).FindStringSubmatch(doc)
		cli := regexp.MustCompile(`about (\d+) packages on linux`).FindStringSubmatch(doc)
		if lean == nil || cli == nil {
			t.Fatal(`docs/architecture.md lacks "N packages in all on linux" or "about N packages on linux"`)
		}
		if n, have := len(Deps(t, mod+"/cmd/tip-credential-process", "linux")), lean[1]; strconv.Itoa(n) != have {
			t.Errorf("tip-credential-process links %d packages on linux; the docs say %s", n, have)
		}
		n := len(Deps(t, mod+"/cmd/tip-cli", "linux"))
		if have, _ := strconv.Atoi(cli[1]); math.Abs(float64(n-have)) > 0.05*float64(n) {
			t.Errorf("tip-cli links %d packages on linux; the docs say about %d (more than 5%% off)", n, have)
		}
	})
}

// streamNamers returns "pkgpath.Func" (or "pkgpath.Type.Method", or
// "pkgpath.<var>" outside functions) for every place in the module's
// non-test code under cmd/ and internal/ that names os.Stdout or os.Stderr.
func streamNamers(t *testing.T, pkgs map[string]pkgInfo) map[string]bool {
	t.Helper()
	found := map[string]bool{}
	fset := token.NewFileSet()
	for p, info := range pkgs {
		for _, name := range info.files {
			f, err := parser.ParseFile(fset, filepath.Join(info.dir, name), nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, decl := range f.Decls {
				where := p + ".<var>"
				if fd, ok := decl.(*ast.FuncDecl); ok {
					where = p + "." + fd.Name.Name
					if fd.Recv != nil && len(fd.Recv.List) == 1 {
						where = p + "." + recvName(fd.Recv.List[0].Type) + "." + fd.Name.Name
					}
				}
				ast.Inspect(decl, func(n ast.Node) bool {
					if sel, ok := n.(*ast.SelectorExpr); ok {
						if id, ok := sel.X.(*ast.Ident); ok && id.Name == "os" && (sel.Sel.Name == "Stdout" || sel.Sel.Name == "Stderr") {
							found[where] = true
						}
					}
					return true
				})
			}
		}
	}
	if len(found) == 0 {
		t.Fatal("no code names os.Stdout: is the scan broken?")
	}
	return found
}

// recvName is a method receiver's type name.
func recvName(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.StarExpr:
		return recvName(x.X)
	case *ast.IndexExpr:
		return recvName(x.X)
	case *ast.Ident:
		return x.Name
	}
	return "?"
}
