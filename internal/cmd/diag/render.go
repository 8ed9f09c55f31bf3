package diag

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/tip-cli/tip-cli/internal/diag"
)

// render writes the report in one write: text or JSON, with no control or
// format character raw (see visible.go).
func render(w io.Writer, format string, r *diag.Report) error {
	var buf bytes.Buffer
	if format == "json" {
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("encode report: %w", err)
		}
		_, err := w.Write(escapeJSON(buf.Bytes()))
		return err
	}
	writeText(&buf, r)
	_, err := w.Write(buf.Bytes())
	return err
}

// writeText writes one line per check, a hint under every failure and
// warning, and a summary line phrased so that CI never mistakes it for a
// test summary ("N passed, N failed").
func writeText(w io.Writer, r *diag.Report) {
	for _, c := range r.Checks {
		c.Title, c.Detail, c.Hint = visible(c.Title), visible(c.Detail), visible(c.Hint)
		switch c.Status {
		case diag.StatusPass:
			fmt.Fprintf(w, "✓ %s\n", c.Title)
		case diag.StatusFail:
			fmt.Fprintf(w, "✗ %s%s\n", c.Title, dash(c.Detail))
		case diag.StatusWarn:
			fmt.Fprintf(w, "! %s%s\n", c.Title, dash(c.Detail))
		case diag.StatusError:
			fmt.Fprintf(w, "? %s%s\n", c.Title, dash(c.Detail))
		case diag.StatusSkip:
			fmt.Fprintf(w, "- %s%s\n", c.Title, dash("skipped: "+c.Detail))
		}
		if c.Hint != "" && c.Status != diag.StatusPass && c.Status != diag.StatusSkip {
			fmt.Fprintf(w, "    hint: %s\n", c.Hint)
		}
	}
	s := r.Summary
	fmt.Fprintf(w, "\ndiag: %d %s passed, %d failed, %d %s, %d could not check, %d skipped\n",
		s.Passed, plural(s.Passed, "check", "checks"), s.Failed, s.Warnings, plural(s.Warnings, "warning", "warnings"), s.CouldNotCheck, s.Skipped)
}

func dash(detail string) string {
	if detail == "" {
		return ""
	}
	return " — " + detail
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
