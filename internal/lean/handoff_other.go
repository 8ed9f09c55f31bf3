//go:build !unix

package lean

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"os/signal"
)

// exeSuffix ends executable names on this platform.
const exeSuffix = ".exe"

// handoff runs tip-cli as a child with the same streams and returns its
// exit status (Windows has no exec). Ctrl-C reaches every process of the
// console, so this one ignores it and lets tip-cli decide.
func handoff(path string, argv, env []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	cmd := &exec.Cmd{Path: path, Args: argv, Env: env, Stdin: stdin, Stdout: stdout, Stderr: stderr}
	ignore := make(chan os.Signal, 1)
	signal.Notify(ignore, os.Interrupt)
	defer signal.Stop(ignore)
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), nil
	}
	if err != nil {
		return 1, err
	}
	return 0, nil
}
