package cmdutil

import (
	"errors"
	"testing"

	"github.com/spf13/cobra"
)

func TestChoiceFlag(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, value string
		choices     []string
		wantErr     string
	}{
		{"accepted", "json", outputFormats(), ""},
		{"rejected", "yaml", outputFormats(), `invalid --output "yaml": want text or json`},
		{"three choices", "xml", []string{"process", "env", "json"}, `invalid --output "xml": want process, env or json`},
		{"empty is not a choice", "", outputFormats(), `invalid --output "": want text or json`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := ValidateChoice("output", tt.value, tt.choices)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var fe *FlagError
			if err == nil || err.Error() != tt.wantErr || !errors.As(err, &fe) {
				t.Fatalf("err = %v, want FlagError %q", err, tt.wantErr)
			}
		})
	}
	cmd := &cobra.Command{Use: "x"}
	var out string
	AddOutputFlag(cmd, &out)
	f := cmd.Flags().Lookup("output")
	if f == nil || f.Shorthand != "o" || f.DefValue != "text" || f.Usage != "output format: text or json" {
		t.Fatalf("--output = %+v", f)
	}
	if got := OrList([]string{"a"}); got != "a" {
		t.Errorf("OrList(a) = %q", got)
	}
}
