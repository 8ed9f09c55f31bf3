// Command exports prints how many exported top-level names (functions,
// types, variables, constants) of the packages under internal/ no other
// package of the module names, and how many only other packages' tests
// name: the figure of issue 25 ("≤ 10% used by no other package"). A name
// the package's own files (its tests included) use does not count as used.
//
// A use is a qualified identifier pkg.Name in a file of another directory
// that imports the package: the check is syntactic (go/parser, every file
// whatever its build tags). A type that other packages never name but
// reach through the exported API they use (a result or parameter of a used
// function or of a method they call, an exported field of a used type, the
// type of a used variable) counts as used too, in the same way (by code,
// or by tests only): it could not be unexported without leaving that API
// returning or taking a type its callers cannot name. A method counts as
// called when a file importing the package selects its name on anything
// (syntax cannot tell the receiver). -v marks such types "via API".
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
	path     string                 // import path
	exported map[string]bool        // exported top-level names
	uses     map[string]useKinds    // name → who outside uses it
	decls    map[string][]ast.Node  // exported name → its declarations' type-bearing nodes
	methods  map[string][]method    // type name → its exported methods
	selected map[string]useKinds    // x.Name selectors in other packages' files importing this one
	files    map[ast.Node]*ast.File // declaration node → its file (for its imports)
	viaAPI   map[string]bool        // names used only through the API of used names
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
		p := &pkg{path: ip, exported: map[string]bool{}, uses: map[string]useKinds{},
			decls: map[string][]ast.Node{}, methods: map[string][]method{}, selected: map[string]useKinds{},
			files: map[ast.Node]*ast.File{}, viaAPI: map[string]bool{}}
		for _, f := range fs {
			if !testFile[f] {
				addExported(f, p)
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
	reachThroughAPI(pkgs, module)
	return pkgs, nil
}

// addExported adds f's exported top-level names (not methods) to p, with
// the nodes whose types an outside user of the name reaches: a function's
// signature, a type's definition, a variable's declared type; and the
// signatures of exported methods, by receiver type.
func addExported(f *ast.File, p *pkg) {
	add := func(name string, n ast.Expr) {
		p.exported[name] = true
		if n != nil {
			p.decls[name] = append(p.decls[name], n)
			p.files[n] = f
		}
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() {
				continue
			}
			if d.Recv == nil {
				add(d.Name.Name, d.Type)
			} else if t := receiverType(d.Recv); t != "" {
				p.methods[t] = append(p.methods[t], method{d.Name.Name, d.Type})
				p.files[d.Type] = f
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					if s.Name.IsExported() {
						add(s.Name.Name, s.Type)
					}
				case *ast.ValueSpec:
					for _, n := range s.Names {
						if n.IsExported() {
							add(n.Name, s.Type)
						}
					}
				}
			}
		}
	}
}

// receiverType is the name of a method's receiver type (T of T, *T, T[P]).
func receiverType(recv *ast.FieldList) string {
	if recv == nil || len(recv.List) == 0 {
		return ""
	}
	t := recv.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
		case *ast.IndexExpr:
			t = x.X
		case *ast.IndexListExpr:
			t = x.X
		case *ast.Ident:
			return x.Name
		default:
			return ""
		}
	}
}

// reachThroughAPI marks as used the exported types that the used names'
// declarations mention (unexported fields and non-exported methods aside),
// until nothing changes: a type other packages reach through a used
// function's result is part of what they use.
func reachThroughAPI(pkgs map[string]*pkg, module string) {
	for changed := true; changed; {
		changed = false
		for _, p := range pkgs {
			for name := range p.exported {
				u := p.uses[name]
				if !u.prod && !u.test {
					continue
				}
				type reached struct {
					n ast.Node
					u useKinds
				}
				var nodes []reached
				for _, n := range p.decls[name] {
					nodes = append(nodes, reached{n, u})
				}
				// A method counts when other packages call it (by name,
				// on whatever receiver: close enough for a figure).
				for _, m := range p.methods[name] {
					s := p.selected[m.name]
					k := useKinds{prod: u.prod && s.prod, test: (u.prod || u.test) && (s.prod || s.test)}
					if k.prod || k.test {
						nodes = append(nodes, reached{m.sig, k})
					}
				}
				for _, r := range nodes {
					for _, ref := range typeRefs(r.n, p.files[r.n], p, pkgs) {
						q, t := ref.pkg, ref.name
						old := q.uses[t]
						nu := useKinds{prod: old.prod || r.u.prod, test: old.test || r.u.test}
						if nu != old {
							if !old.prod && !old.test {
								q.viaAPI[t] = true
							}
							q.uses[t] = nu
							changed = true
						}
					}
				}
			}
		}
	}
}

// method is an exported method: its name and signature.
type method struct {
	name string
	sig  ast.Node
}

type typeRef struct {
	pkg  *pkg
	name string
}

// typeRefs lists the exported module types named in n, skipping function
// bodies, unexported struct fields and unexported interface methods.
func typeRefs(n ast.Node, f *ast.File, p *pkg, pkgs map[string]*pkg) []typeRef {
	var refs []typeRef
	member := map[*ast.Field]bool{} // struct fields and interface methods
	markMembers := func(l *ast.FieldList) {
		for _, fl := range l.List {
			member[fl] = true
		}
	}
	ast.Inspect(n, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.BlockStmt:
			return false
		case *ast.Field:
			// A field's names are not types; a parameter's type is API
			// whatever its name, a struct field's or interface method's
			// only when exported (or embedded).
			if len(x.Names) == 0 || anyExported(x.Names) || !member[x] {
				refs = append(refs, typeRefs(x.Type, f, p, pkgs)...)
			}
			return false
		case *ast.StructType:
			markMembers(x.Fields)
		case *ast.InterfaceType:
			markMembers(x.Methods)
		case *ast.SelectorExpr:
			if id, ok := x.X.(*ast.Ident); ok && f != nil {
				if q := importedPkg(f, id.Name, pkgs); q != nil && q.exported[x.Sel.Name] {
					refs = append(refs, typeRef{q, x.Sel.Name})
				}
			}
			return false
		case *ast.Ident:
			if p.exported[x.Name] {
				refs = append(refs, typeRef{p, x.Name})
			}
		}
		return true
	})
	return refs
}

// anyExported reports whether a field's names include an exported one.
func anyExported(names []*ast.Ident) bool {
	for _, n := range names {
		if n.IsExported() {
			return true
		}
	}
	return false
}

// importedPkg resolves the package name alias in f to one of pkgs.
func importedPkg(f *ast.File, alias string, pkgs map[string]*pkg) *pkg {
	for _, im := range f.Imports {
		path, err := strconv.Unquote(im.Path.Value)
		if err != nil {
			continue
		}
		name := filepath.Base(path)
		if im.Name != nil {
			name = im.Name.Name
		}
		if name == alias {
			return pkgs[path]
		}
	}
	return nil
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
		if !ok || aliases[id.Name] == nil {
			// x.M: perhaps a method of an imported package's type.
			for _, target := range aliases {
				target.selected[sel.Sel.Name] = mark(target.selected[sel.Sel.Name], test)
			}
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

func mark(u useKinds, test bool) useKinds {
	if test {
		u.test = true
	} else {
		u.prod = true
	}
	return u
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
	var total, unused, testOnly, viaAPI int
	for _, ip := range paths {
		p := pkgs[ip]
		none, tests := p.unusedNames()
		total += len(p.exported)
		unused += len(none)
		testOnly += len(tests)
		via := sortedKeys(p.viaAPI)
		viaAPI += len(via)
		if verbose && (len(none) > 0 || len(tests) > 0) {
			fmt.Printf("%s: %d exported, %d used by no other package, %d only by other packages' tests\n", ip, len(p.exported), len(none), len(tests))
			if len(none) > 0 {
				fmt.Printf("  unused: %s\n", strings.Join(none, " "))
			}
			if len(tests) > 0 {
				fmt.Printf("  tests only: %s\n", strings.Join(tests, " "))
			}
		}
		if verbose && len(via) > 0 {
			fmt.Printf("%s: via API (never named outside): %s\n", ip, strings.Join(via, " "))
		}
	}
	fmt.Printf("exported top-level names in internal/: %d\n", total)
	fmt.Printf("used by no other package: %d (%.0f%%)\n", unused, pct(unused, total))
	fmt.Printf("used only by other packages' tests: %d (%.0f%%)\n", testOnly, pct(testOnly, total))
	fmt.Printf("of the used, reached only through the API of used names: %d\n", viaAPI)
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
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
