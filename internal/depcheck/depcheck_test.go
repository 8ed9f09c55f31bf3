package depcheck

import (
	"slices"
	"testing"
)

func TestMatching(t *testing.T) {
	t.Parallel()
	deps := []string{"a/b", "a/b/c", "a/bc", "x/y/z", "x/yz", "q"}
	got := Matching(deps, []string{"a/b", "x/y/"})
	want := []string{"a/b", "a/b/c", "x/y/z"}
	if !slices.Equal(got, want) {
		t.Fatalf("Matching = %q, want %q", got, want)
	}
}
