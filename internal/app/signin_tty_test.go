//go:build linux

package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/testkit"
)

// openPTY returns a new pseudo-terminal's master and slave.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { _ = m.Close() })
	fd := int(m.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return m, s
}

// TestPasteFlowFromTerminal: stdin is a terminal (the controlling one, as
// in an SSH session): the paste is read from it.
func TestPasteFlowFromTerminal(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts real processes")
	}
	k := testkit.New(t, sandbox.EnvOptions{})
	k.Configure(t, "default")
	master, slave := openPTY(t)
	go func() { _, _ = io.Copy(io.Discard, master) }() // the terminal's echo
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, mustExe(t), "auth", "--flow", "paste", "--timeout", "30s")
	cmd.Env = procEnv(t, k)
	cmd.Stdin = slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	p := &pasteRun{cmd: cmd, stdin: master, lines: make(chan string, 64), done: make(chan error, 1)}
	p.start(t)
	authURL := p.authURL(t)
	code, stderr := p.finish(t, signInElsewhere(t, authURL))
	if code != 0 || !strings.Contains(stderr, "✓ Signed in as alice@example.com") {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
}

// TestAutoPicksDeviceFlowOnSSH: on SSH with an IdP offering the device
// flow, auto uses it and says why.
func TestAutoPicksDeviceFlowOnSSH(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts real processes")
	}
	k := testkit.New(t, sandbox.EnvOptions{DeviceInterval: time.Second})
	k.Configure(t, "default")
	env := append(withoutBrowser(procEnv(t, k)), "SSH_TTY=/dev/pts/9")
	p := startPaste(t, env, "auth", "--timeout", "30s")
	re := regexp.MustCompile(`enter the code ([A-Z0-9-]+)`)
	for line := range p.lines {
		if m := re.FindStringSubmatch(line); m != nil {
			if err := k.Env.IdP.ApproveDevice(m[1]); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	code, stderr := p.finish(t, "")
	if code != 0 || !strings.Contains(stderr, "Signing in with the device flow: an SSH session (SSH_TTY is set); the identity provider offers the device flow.") {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
}
