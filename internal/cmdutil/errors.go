// Package cmdutil holds what every command shares: the Factory of lazily
// built dependencies, usage errors, and the exit codes app.Main maps
// errors to.
package cmdutil

import (
	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/cmdbase"
)

// Exit codes (shared with tip-broker through cmdbase).
const (
	ExitOK        = cmdbase.ExitOK
	ExitError     = cmdbase.ExitError
	ExitUsage     = cmdbase.ExitUsage
	ExitAuth      = cmdbase.ExitAuth
	ExitCancelled = cmdbase.ExitCancelled
)

// FlagError is a usage error: bad flags or arguments. It exits with ExitUsage.
type FlagError = cmdbase.FlagError

// ExitCodeError carries a child process's exit status (exec).
type ExitCodeError = cmdbase.ExitCodeError

// ErrSilent exits non-zero without printing: the command already
// reported (e.g. diag printed a failing report).
var ErrSilent = cmdbase.ErrSilent

// FlagErrorf builds a FlagError.
func FlagErrorf(format string, args ...any) error { return cmdbase.FlagErrorf(format, args...) }

// MarkArgErrors makes every command's positional-argument errors usage
// errors (see cmdbase.MarkArgErrors).
func MarkArgErrors(cmd *cobra.Command) { cmdbase.MarkArgErrors(cmd) }
