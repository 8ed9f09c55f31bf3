package api

import "testing"

// TestTable: every operation has exactly one route, no two routes share a
// method and path, and Find/Of/KnownPath/Keys agree with the table.
func TestTable(t *testing.T) {
	ops := map[Op]int{}
	keys := map[string]bool{}
	for _, r := range Routes() {
		ops[r.Op]++
		if keys[r.Key()] {
			t.Errorf("route %s twice", r.Key())
		}
		keys[r.Key()] = true
		if got, ok := Find(r.Method, r.Path); !ok || got != r {
			t.Errorf("Find(%s) = %+v, %v", r.Key(), got, ok)
		}
		if !KnownPath(r.Path) {
			t.Errorf("KnownPath(%s) = false", r.Path)
		}
	}
	for _, op := range []Op{Register, Describe, Deregister, Credentials, Health} {
		if ops[op] != 1 {
			t.Errorf("%s has %d routes, want 1", op, ops[op])
		}
		if r, ok := Of(op); !ok || r.Op != op {
			t.Errorf("Of(%s) = %+v, %v", op, r, ok)
		}
	}
	if _, ok := Find("PUT", applicationsPath); ok {
		t.Error("Find(PUT /applications) found a route")
	}
	if KnownPath("/nope") {
		t.Error("KnownPath(/nope) = true")
	}
	if n := len(Keys(true)) + len(Keys(false)); n != len(Routes()) {
		t.Errorf("Keys cover %d routes of %d", n, len(Routes()))
	}
}
