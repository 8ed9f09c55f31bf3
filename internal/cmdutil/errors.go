// Package cmdutil holds what every command shares: the Factory of lazily
// built dependencies, usage errors, and the exit codes app.Main maps
// errors to.
package cmdutil

import (
	"errors"
	"fmt"

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

// SilentError exits non-zero without printing: the command already
// reported (e.g. diag printed a failing report).
var SilentError = errors.New("silent error")

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
