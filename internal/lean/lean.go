// Package lean is the lean credential_process binary, tip-credential-process:
// it serves `auth get-iam-credentials` and `s3ag get-data-access` from the
// store and config alone, and hands every other command line — a miss, a
// session due for refresh, a flag it does not know, any error — unchanged to
// the full tip-cli (exec on Unix, a child process on Windows).
//
// It answers only when tip-cli would answer the same bytes: the parsing is
// strict, the cache decision is package warm's (shared with tip-cli's
// session manager), the output is credproc's. Every error path is tip-cli's
// own, so there is one wording of every message. It links no AWS SDK, no
// cobra, no oidc/oauth2 and no sandbox (TestLeanDependencies checks).
package lean

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"github.com/tip-cli/tip-cli/internal/scope"
)

// Deps is what the lean binary needs from its process.
type Deps struct {
	// Args are the arguments after the program name.
	Args    []string
	Getenv  func(string) string
	Environ func() []string
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	Now     func() time.Time
	// Executable is this binary's path (os.Executable).
	Executable func() (string, error)
	// LookPath finds a program on PATH (exec.LookPath).
	LookPath func(string) (string, error)
	// ReadFile reads a --policy file://PATH (scope.ReadPolicyFile: bounded,
	// never blocking).
	ReadFile func(string) ([]byte, error)
	// Handoff runs tip-cli at path with argv and returns its exit status;
	// on Unix it replaces this process and returns only on failure.
	Handoff func(path string, argv, env []string, stdin io.Reader, stdout, stderr io.Writer) (int, error)
}

// System returns the Deps of the running process.
func System() *Deps {
	return &Deps{
		Args: os.Args[1:], Getenv: os.Getenv, Environ: os.Environ,
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		Now: time.Now, Executable: os.Executable, LookPath: exec.LookPath,
		ReadFile: scope.ReadPolicyFile, Handoff: handoff,
	}
}

// Prog is the lean binary's name, used in its own (hand-off) errors.
const Prog = "tip-credential-process"

// Main serves the command line from the cache or hands it to tip-cli, and
// returns the exit status.
func Main(d *Deps) int {
	if code, served := serve(context.Background(), d); served {
		return code
	}
	path, err := findTipCLI(d)
	if err != nil {
		fmt.Fprintln(d.Stderr, Prog+": "+err.Error())
		return 1
	}
	code, err := d.Handoff(path, append([]string{path}, d.Args...), d.Environ(), d.Stdin, d.Stdout, d.Stderr)
	if err != nil {
		fmt.Fprintf(d.Stderr, "%s: run %s: %v\n", Prog, path, err)
		return 1
	}
	return code
}
