//go:build linux

package app

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/testbuf"
	"github.com/tip-cli/tip-cli/internal/testkit"
)

// TestSecondSignalEndsTipCLI: tip-cli waiting in the interactive prompt of
// `configure idp` (stdin a terminal; a read no context can interrupt) does
// not end on the first SIGINT, which only cancels the context; the second
// ends it at once with "cancelled" (exit 130). Before, every later signal
// was swallowed and the process waited for input forever.
func TestSecondSignalEndsTipCLI(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts real processes")
	}
	k := testkit.New(t, sandbox.EnvOptions{})
	_, tty := openPTY(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "configure", "idp")
	cmd.Env = procEnv(t, k)
	var stdout bytes.Buffer
	stderr := &testbuf.Buffer{}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, &stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() { _ = cmd.Process.Kill() }()
	waitFor(t, exited, stderr, "Shared sign-in name")
	// Signals that arrive together merge into one, so keep signalling
	// until tip-cli has seen two; it must end within seconds.
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		_ = cmd.Process.Signal(syscall.SIGINT)
		select {
		case err := <-exited:
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 130 {
				t.Fatalf("exit %v, want 130", err)
			}
			// The line follows the prompt left open on stderr.
			if stdout.Len() != 0 || !strings.HasSuffix(stderr.String(), ": tip-cli: cancelled\n") {
				t.Errorf("stdout %q stderr %q, want it to end with %q", stdout.String(), stderr.String(), "tip-cli: cancelled\n")
			}
			return
		case <-tick.C:
		case <-deadline:
			t.Fatalf("tip-cli still running 10 s after repeated SIGINTs; stderr %q", stderr.String())
		}
	}
}

// waitFor returns once the process wrote want on stderr (it is then
// blocked in the prompt), failing when it exits first.
func waitFor(t *testing.T, exited <-chan error, stderr *testbuf.Buffer, want string) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(30 * time.Second)
	for !strings.Contains(stderr.String(), want) {
		select {
		case err := <-exited:
			t.Fatalf("tip-cli ended before prompting: %v: %s", err, stderr.String())
		case <-deadline:
			t.Fatalf("no %q on stderr: %q", want, stderr.String())
		case <-tick.C:
		}
	}
}

// TestExecChildGetsEverySignal: while `exec` runs a child, SIGINTs are the
// child's: tip-cli forwards each one and does not end on the second; it
// exits with the child's status once the child is done.
func TestExecChildGetsEverySignal(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts real processes")
	}
	k := signedIn(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// The child counts SIGINTs, says so after each, and ends after three.
	script := `n=0; trap 'n=$((n+1)); echo "int $n"; [ $n -ge 3 ] && exit 7' INT; echo ready; while :; do sleep 0.05; done`
	cmd := exec.Command(exe, "exec", "--", "sh", "-c", script)
	cmd.Env = procEnv(t, k)
	stderr := &testbuf.Buffer{}
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	expect := func(want string) {
		t.Helper()
		select {
		case got, ok := <-lines:
			if !ok || got != want {
				t.Fatalf("child said %q (open %v), want %q; stderr %q", got, ok, want, stderr.String())
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("child never said %q; stderr %q", want, stderr.String())
		}
	}
	expect("ready")
	for i := 1; i <= 3; i++ {
		// One signal at a time: the next only after the child saw this one.
		if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		expect("int " + string(rune('0'+i)))
	}
	for range lines {
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 7 {
		t.Fatalf("tip-cli exit %v, want the child's 7; stderr %q", err, stderr.String())
	}
	if strings.Contains(stderr.String(), "cancelled") {
		t.Errorf("tip-cli reported a cancel while the child had the signals: %q", stderr.String())
	}
}
