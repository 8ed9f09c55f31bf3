// Package iostreams carries a command's standard streams and what is known
// about them (terminals), so commands never touch os.Stdout directly and
// tests can capture every byte.
package iostreams

import (
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams are the streams of one command invocation. Out is an API:
// only credential output and machine-readable output go there.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY  bool
	stdoutTTY bool
	stderrTTY bool
}

// TTY says which of the three streams are terminals.
type TTY struct{ Stdin, Stdout, Stderr bool }

// New returns streams over in, out and errOut, tty saying which are
// terminals. Tests build theirs with iostreamstest.
func New(in io.Reader, out, errOut io.Writer, tty TTY) *IOStreams {
	return &IOStreams{In: in, Out: out, ErrOut: errOut,
		stdinTTY: tty.Stdin, stdoutTTY: tty.Stdout, stderrTTY: tty.Stderr}
}

// System returns the process's streams.
func System() *IOStreams {
	return New(os.Stdin, os.Stdout, os.Stderr,
		TTY{Stdin: isTerminal(os.Stdin), Stdout: isTerminal(os.Stdout), Stderr: isTerminal(os.Stderr)})
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// IsStdinTTY reports whether stdin is a terminal (prompts are allowed).
func (s *IOStreams) IsStdinTTY() bool { return s.stdinTTY }

// IsStdoutTTY reports whether stdout is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStderrTTY reports whether stderr is a terminal (status lines are allowed).
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }
