package cmdutil

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

// One convention for flags that choose a format: the choices are listed
// once, and both the help text ("<what>: a, b or c") and the error
// ("invalid --name "x": want a, b or c") come from that list.
//
//   - --output/-o text|json: reports and listings (status, list, diag).
//   - --format process|env|json: credential output (credproc.Formats), a
//     different contract: a program reads it, and process is
//     credential_process's own document (see docs/architecture.md).
//   - --format yaml|json: a generated document (the CloudFormation template).

// outputFormats are the values of --output.
func outputFormats() []string { return []string{"text", "json"} }

// AddChoiceFlag registers --name (and -short when not "") with default def,
// documented as "what: <choices>". Check the value with ValidateChoice.
func AddChoiceFlag(cmd *cobra.Command, p *string, name, short, def, what string, choices []string) {
	cmd.Flags().StringVarP(p, name, short, def, what+": "+OrList(choices))
}

// ValidateChoice returns a *FlagError unless v is one of choices.
func ValidateChoice(name, v string, choices []string) error {
	if slices.Contains(choices, v) {
		return nil
	}
	return FlagErrorf("invalid --%s %q: want %s", name, v, OrList(choices))
}

// OrList joins items as "a, b or c".
func OrList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}
