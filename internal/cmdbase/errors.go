// Package cmdbase is what tip-cli and tip-broker share at the command
// layer and nothing more: exit codes, usage errors, the one-line error
// report, build information and AWS SDK configuration loading. It is a
// leaf: it imports no other tip-cli package, so tip-broker can link it
// without linking tip-cli's store, keyring, browser or sandbox.
package cmdbase

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes.
const (
	ExitOK        = 0
	ExitError     = 1
	ExitUsage     = 2
	ExitAuth      = 4 // not signed in / sign-in failed
	ExitCancelled = 130
)

// FlagError is a usage error: bad flags or arguments. It exits with ExitUsage.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// FlagErrorf builds a FlagError.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...)}
}

// ErrSilent exits non-zero without printing: the command already
// reported (e.g. diag printed a failing report).
var ErrSilent = errors.New("silent error")

// ExitCodeError carries a child process's exit status (exec).
type ExitCodeError struct{ Code int }

func (e *ExitCodeError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// MarkArgErrors makes every command's positional-argument errors usage
// errors, so the entry point can tell them from failures without matching
// text.
func MarkArgErrors(cmd *cobra.Command) {
	if args := cmd.Args; args != nil {
		cmd.Args = func(c *cobra.Command, a []string) error {
			if err := args(c, a); err != nil {
				return &FlagError{Err: err}
			}
			return nil
		}
	}
	for _, sub := range cmd.Commands() {
		MarkArgErrors(sub)
	}
}

// Report prints err as one line "prog: message" on w (stderr) and returns
// its exit code. classify maps program-specific errors (tip-cli's
// "not signed in") to an exit code after the message is printed; it
// returns 0 for errors it does not know.
func Report(w io.Writer, prog string, err error, cancelled bool, classify func(error) int) int {
	var codeErr *ExitCodeError
	if errors.As(err, &codeErr) {
		return codeErr.Code
	}
	if errors.Is(err, ErrSilent) {
		return ExitError
	}
	if cancelled || errors.Is(err, context.Canceled) {
		fmt.Fprintln(w, prog+": cancelled")
		return ExitCancelled
	}
	fmt.Fprintln(w, prog+": "+oneLine(err.Error()))
	var flagErr *FlagError
	if errors.As(err, &flagErr) || isCobraUsage(err) {
		fmt.Fprintf(w, "Run '%s --help' for usage.\n", prog)
		return ExitUsage
	}
	if classify != nil {
		if code := classify(err); code != 0 {
			return code
		}
	}
	return ExitError
}

// isCobraUsage recognises cobra's unknown-command and required-flag errors,
// the usage errors cobra returns as plain errors before any command runs.
func isCobraUsage(err error) bool {
	msg := err.Error()
	return strings.HasPrefix(msg, "unknown command ") || strings.HasPrefix(msg, "required flag(s) ")
}

// oneLine keeps error output to a single line (wrapped errors joined by
// errors.Join contain newlines).
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " ")
}
