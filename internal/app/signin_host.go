package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"time"

	"golang.org/x/term"

	"github.com/tip-cli/tip-cli/internal/iostreams"
	"github.com/tip-cli/tip-cli/internal/safefile"
	"github.com/tip-cli/tip-cli/internal/signinflow"
)

// What the interactive sign-in needs from the machine: where tip-cli runs
// (for the auto flow), the Windows browser on WSL, and a terminal to read
// a pasted redirect from.

// hostTimeout bounds each Windows program asked about .wslconfig.
const hostTimeout = 5 * time.Second

// hostEnv is the production signinflow.Env; ctx bounds the WSL probes.
func hostEnv(ctx context.Context, getenv func(string) string) signinflow.Env {
	return signinflow.Env{
		Getenv:   getenv,
		GOOS:     runtime.GOOS,
		ReadFile: readSmall,
		Exists: func(name string) bool {
			_, err := os.Lstat(name)
			return err == nil
		},
		WSLConfig: func() ([]byte, error) { return signinflow.WSLConfig(ctx, runOutput, readSmall) },
	}
}

// readSmall reads a regular file of at most 64 KiB (/proc files report
// size 0 but are regular); a FIFO or device is refused without blocking
// (safefile.Read).
func readSmall(name string) ([]byte, error) {
	return safefile.Read(name, 64<<10)
}

// runOutput runs a program for its stdout, bounded by hostTimeout.
func runOutput(ctx context.Context, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, hostTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	if st, err := os.Stat("/mnt/c"); err == nil && st.IsDir() {
		cmd.Dir = "/mnt/c" // cmd.exe refuses a Linux working directory (UNC path warning)
	}
	return cmd.Output()
}

// openWindowsBrowser opens url in the Windows browser from WSL: the first
// launcher found on PATH (signinflow.WSLLaunchers).
func openWindowsBrowser(url string, ios *iostreams.IOStreams) error {
	for _, argv := range signinflow.WSLLaunchers(url) {
		path, err := exec.LookPath(argv[0])
		if err != nil {
			continue
		}
		cmd := exec.Command(path, argv[1:]...)
		if st, err := os.Stat("/mnt/c"); err == nil && st.IsDir() {
			cmd.Dir = "/mnt/c"
		}
		cmd.Stderr = ios.ErrOut
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("start %s: %w", argv[0], err)
		}
		go func() { _ = cmd.Wait() }()
		return nil
	}
	return errors.New("none of wslview, cmd.exe, powershell.exe is on PATH (is WSL interop off?)")
}

// pasteInput opens the terminal the paste flow reads: stdin when it is a
// terminal, else the controlling terminal, else stdin as it is (a program
// driving tip-cli through a pipe) unless terminalOnly (stdin is a child's:
// SignInOptions.StdinForChild). A terminal is opened anew, so that
// closing it ends a pending read without closing fd 0 or changing its
// flags, which a later child (exec) shares.
func pasteInput(ios *iostreams.IOStreams, terminalOnly bool) (io.ReadCloser, error) {
	if ios.IsStdinTTY() {
		if f, err := os.Open(stdinPath); err == nil && term.IsTerminal(int(f.Fd())) {
			return f, nil
		}
	}
	if f, err := os.Open("/dev/tty"); err == nil {
		return f, nil
	}
	if ios.In == nil || terminalOnly {
		return nil, errors.New("no terminal")
	}
	return io.NopCloser(ios.In), nil
}
