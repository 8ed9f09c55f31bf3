// Command exports prints how many exported top-level names (functions,
// types, variables, constants) of the packages under internal/ no other
// package of the module names, and how many only other packages' tests
// name: the figure of issue 25 ("≤ 10% used by no other package"). A name
// the package's own files (its tests included) use does not count as used.
//
// A use is a qualified identifier pkg.Name in a file of another directory
// that imports the package: the check is syntactic (go/parser, every file
// whatever its build tags), so a type reached only through a return value
// counts as unused, which is right for the question "could it be
// unexported".
//
// Usage: go run ./scripts/exports [-v] [-module-root DIR]
//
//	-v lists the unused names per package.
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

func main() {
	verbose := flag.Bool("v", false, "list the unused names per package")
	root := flag.String("module-root", ".", "the module's root directory (holding go.mod)")
	flag.Parse()
	if err := run(*root, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "exports:", err)
		os.Exit(1)
	}
}

// pkg is one directory's Go files.
type pkg struct {
	path     string              // import path
	exported map[string]bool     // exported top-level names
	uses     map[string]useKinds // name → who outside uses it
}

type useKinds struct{ prod, test bool }

func run(root string, verbose bool) error {
	pkgs, err := scan(root)
	if err != nil {
		return err
	}
	report(pkgs, verbose)
	return nil
}

// scan parses the module at root and returns its internal/ packages with
// their exported names and who outside uses them.
func scan(root string) (map[string]*pkg, error) {
	module, err := modulePath(filepath.Join(root, "go.mod"))
	if err != nil {
		return nil, err
	}
	files := map[string][]*ast.File{} // import path → files
	testFile := map[*ast.File]bool{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); p != root && (n == "testdata" || n == "vendor" || strings.HasPrefix(n, ".") || strings.HasPrefix(n, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, filepath.Dir(p))
		if err != nil {
			return err
		}
		ip := module
		if rel != "." {
			ip += "/" + filepath.ToSlash(rel)
		}
		files[ip] = append(files[ip], f)
		testFile[f] = strings.HasSuffix(p, "_test.go")
		return nil
	})
	if err != nil {
		return nil, err
	}
	pkgs := map[string]*pkg{}
	for ip, fs := range files {
		if !strings.HasPrefix(ip, module+"/internal/") {
			continue
		}
		p := &pkg{path: ip, exported: map[string]bool{}, uses: map[string]useKinds{}}
		for _, f := range fs {
			if !testFile[f] {
				addExported(f, p.exported)
			}
		}
		if len(p.exported) > 0 {
			pkgs[ip] = p
		}
	}
	for ip, fs := range files {
		for _, f := range fs {
			recordUses(f, ip, pkgs, testFile[f])
		}
	}
	return pkgs, nil
}

// addExported adds f's exported top-level names (not methods) to names.
func addExported(f *ast.File, names map[string]bool) {
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil && d.Name.IsExported() {
				names[d.Name.Name] = true
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					if s.Name.IsExported() {
						names[s.Name.Name] = true
					}
				case *ast.ValueSpec:
					for _, n := range s.Names {
						if n.IsExported() {
							names[n.Name] = true
						}
					}
				}
			}
		}
	}
}

// recordUses marks the names of other packages that f (in directory ip)
// names as alias.Name.
func recordUses(f *ast.File, ip string, pkgs map[string]*pkg, test bool) {
	aliases := map[string]*pkg{}
	for _, im := range f.Imports {
		path, err := strconv.Unquote(im.Path.Value)
		if err != nil || path == ip {
			continue
		}
		target, ok := pkgs[path]
		if !ok {
			continue
		}
		name := filepath.Base(path)
		if im.Name != nil {
			name = im.Name.Name
		}
		if name == "_" || name == "." {
			continue
		}
		aliases[name] = target
	}
	if len(aliases) == 0 {
		return
	}
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok {
			return true
		}
		if target, ok := aliases[id.Name]; ok && target.exported[sel.Sel.Name] {
			u := target.uses[sel.Sel.Name]
			if test {
				u.test = true
			} else {
				u.prod = true
			}
			target.uses[sel.Sel.Name] = u
		}
		return true
	})
}

// unusedNames returns p's exported names no other package uses, and those
// only other packages' tests use, sorted.
func (p *pkg) unusedNames() (none, tests []string) {
	for n := range p.exported {
		switch u := p.uses[n]; {
		case !u.prod && !u.test:
			none = append(none, n)
		case !u.prod:
			tests = append(tests, n)
		}
	}
	sort.Strings(none)
	sort.Strings(tests)
	return none, tests
}

func report(pkgs map[string]*pkg, verbose bool) {
	paths := make([]string, 0, len(pkgs))
	for p := range pkgs {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var total, unused, testOnly int
	for _, ip := range paths {
		p := pkgs[ip]
		none, tests := p.unusedNames()
		total += len(p.exported)
		unused += len(none)
		testOnly += len(tests)
		if verbose && (len(none) > 0 || len(tests) > 0) {
			fmt.Printf("%s: %d exported, %d used by no other package, %d only by other packages' tests\n", ip, len(p.exported), len(none), len(tests))
			if len(none) > 0 {
				fmt.Printf("  unused: %s\n", strings.Join(none, " "))
			}
			if len(tests) > 0 {
				fmt.Printf("  tests only: %s\n", strings.Join(tests, " "))
			}
		}
	}
	fmt.Printf("exported top-level names in internal/: %d\n", total)
	fmt.Printf("used by no other package: %d (%.0f%%)\n", unused, pct(unused, total))
	fmt.Printf("used only by other packages' tests: %d (%.0f%%)\n", testOnly, pct(testOnly, total))
}

func pct(n, total int) float64 {
	if total == 0 {
		return 0
	}
	return 100 * float64(n) / float64(total)
}

// modulePath reads the module line of go.mod.
func modulePath(gomod string) (string, error) {
	data, err := os.ReadFile(gomod)
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`), nil
		}
	}
	return "", fmt.Errorf("%s: no module line", gomod)
}
