package cmd

import (
	"testing"

	"github.com/tip-cli/tip-cli/internal/broker/api"
)

// TestEveryRouteHasACommand: each route of the broker's route table that
// applications call has its client command in tip-broker's tree.
func TestEveryRouteHasACommand(t *testing.T) {
	root := newDocsRoot()
	for _, r := range api.Routes() {
		c := clientCommand(&Deps{Getenv: func(string) string { return "" }}, r)
		if r.Public {
			if c != nil {
				t.Errorf("public route %s has a client command", r.Key())
			}
			continue
		}
		if c == nil {
			t.Errorf("route %s (%s) has no client command", r.Key(), r.Op)
			continue
		}
		if found, _, err := root.Find([]string{c.Name()}); err != nil || found.Name() != c.Name() {
			t.Errorf("route %s: command %q is not in the tree", r.Key(), c.Name())
		}
	}
}
