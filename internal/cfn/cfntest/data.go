package cfntest

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Get walks generic data (as ParseYAML returns) by map key (string) and
// list index (int); a missing step fails the test.
func Get(t testing.TB, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("at %v: %T is not a mapping", path, v)
			}
			if v, ok = m[k]; !ok {
				t.Fatalf("missing key %q in path %v", k, path)
			}
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("at %v: no element %d in %T", path, k, v)
			}
			v = l[k]
		}
	}
	return v
}

// Strs returns the strings of the list v (non-strings as "").
func Strs(t testing.TB, v any) []string {
	t.Helper()
	l, ok := v.([]any)
	if !ok {
		t.Fatalf("%v is not a list", v)
	}
	out := make([]string, len(l))
	for i, e := range l {
		out[i], _ = e.(string)
	}
	return out
}

// Ref is the {"Ref": id} intrinsic as generic data.
func Ref(id string) map[string]any { return map[string]any{"Ref": id} }

// GetAtt is the {"Fn::GetAtt": [id, attr]} intrinsic as generic data.
func GetAtt(id, attr string) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{id, attr}}
}

// Sub is the {"Fn::Sub": s} intrinsic as generic data.
func Sub(s string) map[string]any { return map[string]any{"Fn::Sub": s} }

// Walk calls fn for every map entry (key, value) and list element ("", v)
// below v, depth first.
func Walk(v any, fn func(key string, v any)) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			fn(k, e)
			Walk(e, fn)
		}
	case []any:
		for _, e := range x {
			fn("", e)
			Walk(e, fn)
		}
	}
}

// subVarRE matches ${Name} and ${Name.Attr} in Fn::Sub strings (not ${!…}).
var subVarRE = regexp.MustCompile(`\$\{([A-Za-z0-9:]+)(?:\.[A-Za-z0-9.]+)?\}`)

// refs returns the logical ids and parameters v refers to through Ref,
// Fn::GetAtt and Fn::Sub; pseudo parameters (AWS::…) are left out.
func refs(v any) []string {
	var out []string
	add := func(s string) {
		if !strings.HasPrefix(s, "AWS::") {
			out = append(out, s)
		}
	}
	Walk(map[string]any{"": v}, func(key string, e any) {
		switch key {
		case "Ref":
			add(e.(string))
		case "Fn::GetAtt":
			add(e.([]any)[0].(string))
		case "Fn::Sub":
			for _, m := range subVarRE.FindAllStringSubmatch(e.(string), -1) {
				add(m[1])
			}
		}
	})
	return out
}

// CheckRefs fails the test for each of refProblems(m).
func CheckRefs(t testing.TB, m map[string]any) {
	t.Helper()
	for _, p := range refProblems(m) {
		t.Error(p)
	}
}

// refProblems checks a template read back as generic data: a Ref,
// Fn::GetAtt, Fn::Sub variable or DependsOn that names nothing the
// template defines, an unused parameter, or resources that depend on each
// other in a cycle (CloudFormation: "Circular dependency between
// resources"). It returns the problems sorted.
func refProblems(m map[string]any) []string {
	res, _ := m["Resources"].(map[string]any)
	params, _ := m["Parameters"].(map[string]any)
	var problems []string
	used := map[string]bool{}
	deps := map[string][]string{}
	for id, r := range res {
		for _, d := range refs(r) {
			used[d] = true
			if _, ok := params[d]; !ok {
				deps[id] = append(deps[id], d)
			}
		}
		switch do := r.(map[string]any)["DependsOn"].(type) {
		case string:
			deps[id] = append(deps[id], do)
		case []any:
			for _, d := range do {
				deps[id] = append(deps[id], fmt.Sprint(d))
			}
		}
	}
	for _, d := range refs(m["Outputs"]) {
		if _, ok := res[d]; !ok {
			problems = append(problems, "output references unknown resource "+d)
		}
	}
	for p := range params {
		if !used[p] {
			problems = append(problems, "parameter "+p+" is never used")
		}
	}
	problems = append(problems, graphProblems(res, deps)...)
	slices.Sort(problems)
	return problems
}

// graphProblems reports dependencies on unknown resources and the first
// cycle found.
func graphProblems(res map[string]any, deps map[string][]string) []string {
	var problems []string
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(id string, path []string) bool
	visit = func(id string, path []string) bool {
		switch state[id] {
		case 1:
			problems = append(problems, "circular dependency: "+strings.Join(append(path, id), " -> "))
			return false
		case 2:
			return true
		}
		state[id] = 1
		for _, d := range deps[id] {
			if _, ok := res[d]; !ok {
				problems = append(problems, id+" references unknown resource or parameter "+d)
				continue
			}
			if !visit(d, append(path, id)) {
				return false
			}
		}
		state[id] = 2
		return true
	}
	for _, id := range slices.Sorted(maps.Keys(res)) {
		if !visit(id, nil) {
			break
		}
	}
	return problems
}
