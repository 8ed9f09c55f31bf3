package config

import (
	"os"
	"strings"
	"testing"
)

// TestPresetsDocumented keeps docs/setup.md's key table in step with the
// preset table: a new preset is one entry plus its docs line.
func TestPresetsDocumented(t *testing.T) {
	t.Parallel()
	setup, err := os.ReadFile("../../docs/setup.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, ps := range Presets() {
		if !strings.Contains(string(setup), ps.Doc) {
			t.Errorf("docs/setup.md lacks the row for preset %s: %s", ps.Name, ps.Doc)
		}
	}
}

func TestPresetTable(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, ps := range Presets() {
		for _, n := range append([]string{ps.Name}, ps.Aliases...) {
			if seen[n] {
				t.Errorf("name %q used twice", n)
			}
			seen[n] = true
		}
		if ps.PromptLabel == "" || len(ps.Keys) == 0 || len(ps.Scopes) == 0 || ps.Scopes[0] != "openid" {
			t.Errorf("preset %s is incomplete: %+v", ps.Name, ps)
		}
		if got := PresetFor(ps.Name).Name; got != ps.Name {
			t.Errorf("PresetFor(%q) = %q", ps.Name, got)
		}
	}
	if got := PresetFor("ping").Name; got != ProviderOIDC {
		t.Errorf("unknown provider served by %q, want oidc", got)
	}
	for _, alias := range []string{"entra", "entraid", "azure"} {
		if got := canonicalProvider(alias); got != ProviderEntraID {
			t.Errorf("alias %q → %q", alias, got)
		}
	}
}
