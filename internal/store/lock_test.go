package store

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// lockHelperEnv makes TestHelperProcess take a lock in the directory it
// names and hold it until killed.
const lockHelperEnv = "TIP_CLI_LOCK_HELPER_DIR"

func TestLockGoroutines(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	unlock, err := Lock(ctx, dir, "p", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// Another profile is independent.
	unlockQ, err := Lock(ctx, dir, "q", 100*time.Millisecond)
	if err != nil {
		t.Fatalf("other profile: %v", err)
	}
	unlockQ()

	_, err = Lock(ctx, dir, "p", 100*time.Millisecond)
	assertLockTimeout(t, err, dir, "p", 100*time.Millisecond)

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Lock(cctx, dir, "p", time.Second); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}

	acquired := make(chan error, 1)
	go func() {
		u, err := Lock(ctx, dir, "p", 5*time.Second)
		if err == nil {
			u()
		}
		acquired <- err
	}()
	select {
	case err := <-acquired:
		t.Fatalf("second holder got in while the first held the lock: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	unlock()
	unlock() // idempotent
	if err := <-acquired; err != nil {
		t.Fatalf("waiter after release: %v", err)
	}
	if runtime.GOOS != "windows" {
		for path, want := range map[string]os.FileMode{
			filepath.Join(dir, LocksDirName):           0o700,
			filepath.Join(dir, LocksDirName, "p.lock"): 0o600,
		} {
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != want {
				t.Errorf("%s: mode %o, want %o", path, fi.Mode().Perm(), want)
			}
		}
	}
}

func assertLockTimeout(t *testing.T, err error, dir, profile string, waited time.Duration) {
	t.Helper()
	var lt *lockTimeoutError
	if !errors.As(err, &lt) {
		t.Fatalf("got %v, want *lockTimeoutError", err)
	}
	if lt.Profile != profile || lt.Waited != waited {
		t.Errorf("lockTimeoutError %+v", lt)
	}
	msg := err.Error()
	for _, want := range []string{fmt.Sprintf("%q", profile), waited.String(), filepath.Join(dir, LocksDirName)} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
}

func TestLockOtherProcessKilled(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), lockHelperEnv+"="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("helper said %q, %v", line, err)
	}

	_, err = Lock(ctx, dir, "p", 200*time.Millisecond)
	assertLockTimeout(t, err, dir, "p", 200*time.Millisecond)

	// SIGKILL: no chance to unlock; the kernel drops the flock.
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	start := time.Now()
	unlock, err := Lock(ctx, dir, "p", 5*time.Second)
	if err != nil {
		t.Fatalf("lock after holder was killed: %v", err)
	}
	unlock()
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %s to get a lock whose holder is dead", d)
	}
}

// TestHelperProcess is not a real test: TestLockOtherProcessKilled runs the
// test binary again with lockHelperEnv set, and this takes the lock and
// holds it until the process is killed.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv(lockHelperEnv)
	if dir == "" {
		t.Skip("helper process for TestLockOtherProcessKilled")
	}
	if _, err := Lock(context.Background(), dir, "p", 5*time.Second); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(2)
	}
	fmt.Println("locked")
	time.Sleep(time.Minute)
	os.Exit(3)
}
