package signinflow

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Runner runs a program and returns its stdout.
type Runner func(ctx context.Context, name string, args ...string) ([]byte, error)

// WSLConfig reads the Windows user's %USERPROFILE%\.wslconfig from inside
// WSL: cmd.exe names the profile directory, wslpath maps it into this
// file system. Only interactive sign-ins on WSL 2 call it.
func WSLConfig(ctx context.Context, run Runner, readFile func(string) ([]byte, error)) ([]byte, error) {
	out, err := run(ctx, "cmd.exe", "/d", "/c", "echo %USERPROFILE%")
	if err != nil {
		return nil, fmt.Errorf("ask Windows for the user profile directory: %w", err)
	}
	win := strings.TrimSpace(string(out))
	if win == "" || strings.Contains(win, "%") {
		return nil, errors.New("windows did not name the user profile directory")
	}
	out, err = run(ctx, "wslpath", "-u", win)
	if err != nil {
		return nil, fmt.Errorf("map %s into WSL: %w", win, err)
	}
	return readFile(strings.TrimSpace(string(out)) + "/.wslconfig")
}

// WSLLaunchers are the ways to open url in the Windows browser from WSL,
// best first: wslview (wslu), then cmd.exe's start, then PowerShell. url
// must be the one-time start address: it has no query, so no '&' for
// cmd.exe to split the command line on, and nothing secret in argv.
func WSLLaunchers(url string) [][]string {
	return [][]string{
		{"wslview", url},
		{"cmd.exe", "/d", "/c", "start", url},
		{"powershell.exe", "-NoProfile", "-NonInteractive", "-Command", "Start-Process '" + strings.ReplaceAll(url, "'", "''") + "'"},
	}
}
