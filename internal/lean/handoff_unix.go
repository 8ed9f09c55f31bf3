//go:build unix

package lean

import (
	"io"
	"syscall"
)

// exeSuffix ends executable names on this platform.
const exeSuffix = ""

// handoff replaces this process with tip-cli: same pid, same stdin, stdout
// and stderr descriptors, and tip-cli's exit status is the caller's. The
// streams are the process's own, so the io arguments are not needed here.
func handoff(path string, argv, env []string, _ io.Reader, _, _ io.Writer) (int, error) {
	return 1, syscall.Exec(path, argv, env)
}
