//go:build windows

package execenv

import (
	"os"
	"os/exec"
)

// forwarded returns the signals passed on to the child.
func forwarded() []os.Signal { return []os.Signal{os.Interrupt} }

func signalExitCode(*exec.ExitError) int { return 1 }
