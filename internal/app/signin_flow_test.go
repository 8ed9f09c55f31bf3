//go:build unix

package app

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/testbuf"
	"github.com/tip-cli/tip-cli/internal/testkit"
)

// pasteRun is one `tip-cli auth` process in the paste flow, driven as a
// person would: read the URL it prints, sign in elsewhere, paste.
type pasteRun struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string // stderr lines
	stderr testbuf.Buffer
	stdout testbuf.Buffer
	done   chan error
}

func startPaste(t *testing.T, env []string, args ...string) *pasteRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, mustExe(t), args...)
	cmd.Env = env
	// A session of its own: no controlling terminal, so the paste is read
	// from stdin (a pipe here) and never from the terminal running go test.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &pasteRun{cmd: cmd, stdin: stdin, lines: make(chan string, 64), done: make(chan error, 1)}
	cmd.Stdout = &p.stdout
	p.start(t)
	return p
}

// start starts the process and collects its stderr lines.
func (p *pasteRun) start(t *testing.T) {
	t.Helper()
	errPipe, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(errPipe)
		for sc.Scan() {
			_, _ = p.stderr.Write([]byte(sc.Text() + "\n"))
			p.lines <- sc.Text()
		}
		close(p.lines)
		p.done <- p.cmd.Wait()
	}()
}

// authURL waits for the printed authorization URL.
func (p *pasteRun) authURL(t *testing.T) string {
	t.Helper()
	for line := range p.lines {
		if strings.HasPrefix(line, "http") && strings.Contains(line, "code_challenge=") {
			return line
		}
	}
	t.Fatalf("no authorization URL on stderr:\n%s", p.stderr.String())
	return ""
}

// finish pastes line (when not "") and waits for the exit code.
func (p *pasteRun) finish(t *testing.T, line string) (int, string) {
	t.Helper()
	if line != "" {
		if _, err := io.WriteString(p.stdin, line+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	for range p.lines {
	}
	err := <-p.done
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return p.cmd.ProcessState.ExitCode(), p.stderr.String()
}

// signInElsewhere plays the person's browser on another machine: it
// follows authURL at the IdP (cookies kept) and returns the Location the
// IdP redirects to on the loopback callback, which that browser fails to
// load.
func signInElsewhere(t *testing.T, authURL string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	var loc string
	hc := &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		if r.URL.Path == "/callback" && (r.URL.Hostname() == "127.0.0.1" || r.URL.Hostname() == "localhost") {
			loc = r.URL.String()
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := hc.Get(authURL)
	if err != nil {
		t.Fatalf("sign in at the IdP: %v", err)
	}
	_ = resp.Body.Close()
	if loc == "" {
		t.Fatalf("the IdP did not redirect to the callback (status %d)", resp.StatusCode)
	}
	return loc
}

// otherSignInCode runs a separate authorization request with a PKCE pair
// of its own and returns its code: a code for another sign-in.
func otherSignInCode(t *testing.T, authURL string) string {
	t.Helper()
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	verifier := rand.Text() + rand.Text()
	sum := sha256.Sum256([]byte(verifier))
	q.Set("code_challenge", base64.RawURLEncoding.EncodeToString(sum[:]))
	q.Set("state", rand.Text())
	u.RawQuery = q.Encode()
	cb, err := url.Parse(signInElsewhere(t, u.String()))
	if err != nil {
		t.Fatal(err)
	}
	return cb.Query().Get("code")
}

// pasteCases are the pastes of the end-to-end tests: each refused one
// with the one line it must end with; the good one last.
func pasteCases(t *testing.T) []struct {
	name  string
	edit  func(t *testing.T, authURL, loc string) string
	error *regexp.Regexp // nil: signed in
} {
	return []struct {
		name  string
		edit  func(t *testing.T, authURL, loc string) string
		error *regexp.Regexp
	}{
		{"wrong state", func(_ *testing.T, _, loc string) string { return strings.Replace(loc, "state=", "state=0", 1) },
			regexp.MustCompile(`^tip-cli: pasted URL refused: it belongs to another sign-in \(its state does not match this one's\)$`)},
		{"a code for another sign-in", func(t *testing.T, authURL, loc string) string {
			u, _ := url.Parse(loc)
			q := u.Query()
			q.Set("code", otherSignInCode(t, authURL))
			u.RawQuery = q.Encode()
			return u.String()
		}, regexp.MustCompile(`^tip-cli: pasted URL: exchange the authorization code: invalid_grant`)},
		{"mangled URL", func(_ *testing.T, _, loc string) string { return strings.SplitN(loc, "?", 2)[0] + "?" },
			regexp.MustCompile(`^tip-cli: pasted URL refused: it is not a whole URL with a query`)},
		{"the address as shown", func(_ *testing.T, _, loc string) string { return loc }, nil},
	}
}

// runPasteCases signs in through `tip-cli auth` args with each paste case:
// refused ones exit non-zero with their line last and leave nothing
// stored; the good one signs in and the credentials are served after. It
// returns the first run's stderr.
func runPasteCases(t *testing.T, k *testkit.Kit, env []string, args ...string) string {
	t.Helper()
	var first string
	for _, tc := range pasteCases(t) {
		p := startPaste(t, env, args...)
		authURL := p.authURL(t)
		line := tc.edit(t, authURL, signInElsewhere(t, authURL))
		code, stderr := p.finish(t, line)
		if first == "" {
			first = stderr
			t.Logf("%s:\n%s", tc.name, stderr)
		}
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		last := lines[len(lines)-1]
		if tc.error == nil {
			if code != 0 || !strings.Contains(stderr, "✓ Signed in as alice@example.com") {
				t.Fatalf("%s: exit %d:\n%s", tc.name, code, stderr)
			}
			continue
		}
		t.Logf("%s: exit %d: %s", tc.name, code, last)
		if code == 0 || !tc.error.MatchString(last) {
			t.Errorf("%s: exit %d, last line %q, want it to match %s:\n%s", tc.name, code, last, tc.error, stderr)
		}
		if b, err := k.Store.Get(context.Background(), "default"); err != nil || b != nil {
			t.Errorf("%s: stored %+v, %v; want nothing", tc.name, b, err)
		}
	}
	decodeProcess(t, runExe(mustExe(t), env, 1, "auth", "get-iam-credentials", "--non-interactive")[0].stdout)
	return first
}

// TestPasteFlowSandbox: on SSH with an IdP without the device flow, auto
// picks the paste flow, says why and how to forward the port instead; a
// stand-in person signs in and pastes. See runPasteCases.
func TestPasteFlowSandbox(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts real processes")
	}
	k, env := sshNoDevice(t)
	stderr := runPasteCases(t, k, env, "auth", "--timeout", "30s")
	for _, want := range []string{
		"Signing in with the paste flow: an SSH session (SSH_CONNECTION is set); the identity provider offers no device flow.",
		"ssh -L ",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

// TestExecPasteLeavesStdinToChild: exec hands its stdin to the child, so a
// paste sign-in with no terminal must not read it (a reader there took the
// child's first lines as pastes and failed the sign-in, or, left pending
// after the sign-in, took them from the child). The data is in the pipe
// before the sign-in completes through the loopback; the child gets all of
// it.
func TestExecPasteLeavesStdinToChild(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts real processes")
	}
	_, env := sshNoDevice(t)
	p := startPaste(t, env, "exec", "--", "cat")
	callback := signInElsewhere(t, p.authURL(t))
	const data = "the child's first line\nand its second\n"
	if _, err := io.WriteString(p.stdin, data); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(callback) // the forwarded port: the sign-in completes by itself
	if err != nil {
		t.Fatalf("callback: %v", err)
	}
	_ = resp.Body.Close()
	_ = p.stdin.Close()
	code, stderr := p.finish(t, "")
	if code != 0 || p.stdout.String() != data {
		t.Fatalf("exit %d, child's output %q, want %q:\n%s", code, p.stdout.String(), data, stderr)
	}
	if !strings.Contains(stderr, "No terminal to paste into") {
		t.Errorf("stderr does not say the paste is not read:\n%s", stderr)
	}
}

// sshNoDevice is a configured kit whose IdP offers no device flow and the
// environment of tip-cli run over SSH without a browser: auto picks paste.
func sshNoDevice(t *testing.T) (*testkit.Kit, []string) {
	t.Helper()
	k := testkit.New(t, sandbox.EnvOptions{NoDevice: true})
	k.Configure(t, "default")
	return k, append(withoutBrowser(procEnv(t, k)), "SSH_CONNECTION=192.0.2.1 50000 192.0.2.2 22")
}

// withoutBrowser drops what makes auto see a local browser.
func withoutBrowser(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "BROWSER=") && !strings.HasPrefix(kv, "DISPLAY=") && !strings.HasPrefix(kv, "WAYLAND_DISPLAY=") {
			out = append(out, kv)
		}
	}
	return out
}

// TestRealProviderPasteSignIn: the paste flow against the certified
// oidc-provider (cookies, its own code and PKCE checks).
func TestRealProviderPasteSignIn(t *testing.T) {
	t.Parallel()
	issuer := realProviderIssuer(t)
	k := realProviderKit(t, issuer)
	env := append(procEnv(t, k), "BROWSER=false") // the paste flow starts no browser
	runPasteCases(t, k, env, "auth", "--flow", "paste", "--timeout", "30s")
}

// wslBin makes a directory of stand-ins for WSL's Windows programs: a
// wslview that is the fake browser and, when wslconfig is not "", a
// cmd.exe and wslpath that lead to a .wslconfig with that content.
func wslBin(t *testing.T, wslconfig string) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body+"\n"), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	write("wslview", `exec "`+mustExe(t)+`" --tip-fake-browser "$@"`)
	if wslconfig != "" {
		profile := t.TempDir()
		if err := os.WriteFile(filepath.Join(profile, ".wslconfig"), []byte(wslconfig), 0o600); err != nil {
			t.Fatal(err)
		}
		write("cmd.exe", `printf 'C:\\Users\\Alice\r\n'`)
		write("wslpath", `[ "$2" = 'C:\Users\Alice' ] && echo "`+profile+`"`)
	}
	return dir
}

// wslEnv is a WSL 2 shell's environment: WSL_DISTRO_NAME, no $BROWSER or
// display, the stand-ins first on PATH.
func wslEnv(env []string, bin string) []string {
	out := []string{"WSL_DISTRO_NAME=Ubuntu"}
	for _, kv := range withoutBrowser(env) {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			kv = "PATH=" + bin + string(os.PathListSeparator) + v
		}
		out = append(out, kv)
	}
	return out
}

// TestWSLOpensTheWindowsBrowser: on WSL auto starts wslview with the
// one-time start address, and the redirect comes back through the
// loopback (WSL 2's localhost forwarding).
func TestWSLOpensTheWindowsBrowser(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts real processes")
	}
	k := testkit.New(t, sandbox.EnvOptions{})
	k.Configure(t, "default")
	argvFile := filepath.Join(t.TempDir(), "argv")
	env := append(wslEnv(procEnv(t, k), wslBin(t, "")), browserArgvEnv+"="+argvFile)
	p := startPaste(t, env, "auth", "--timeout", "30s")
	code, stderr := p.finish(t, "")
	if code != 0 || !strings.Contains(stderr, "Opening the Windows browser to sign in.") {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	argv, err := os.ReadFile(argvFile)
	if err != nil || !strings.Contains(string(argv), "/tip-cli-start/") || strings.Contains(string(argv), "state=") {
		t.Errorf("wslview ran with %q (%v), want the one-time start address", argv, err)
	}
}

// TestWSLWithoutForwardingPastes: .wslconfig turns localhost forwarding
// off, so auto uses the paste flow and starts no browser.
func TestWSLWithoutForwardingPastes(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts real processes")
	}
	k := testkit.New(t, sandbox.EnvOptions{})
	k.Configure(t, "default")
	argvFile := filepath.Join(t.TempDir(), "argv")
	env := append(wslEnv(procEnv(t, k), wslBin(t, "[wsl2]\nlocalhostForwarding=false\n")), browserArgvEnv+"="+argvFile)
	p := startPaste(t, env, "auth", "--timeout", "30s")
	code, stderr := p.finish(t, signInElsewhere(t, p.authURL(t)))
	if code != 0 || !strings.Contains(stderr, "Signing in with the paste flow: WSL 2 with localhostForwarding=false") {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	if _, err := os.Stat(argvFile); err == nil {
		t.Error("a browser was started")
	}
}

// TestNoBrowserStillWorks: --no-browser prints the authorization URL and
// starts no browser, whatever auto would pick; the redirect arrives at the
// loopback (a forwarded port, here the stand-in's own request).
func TestNoBrowserStillWorks(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts real processes")
	}
	k := testkit.New(t, sandbox.EnvOptions{NoDevice: true})
	k.Configure(t, "default")
	argvFile := filepath.Join(t.TempDir(), "argv")
	env := append(procEnv(t, k), browserArgvEnv+"="+argvFile, "SSH_CONNECTION=192.0.2.1 50000 192.0.2.2 22")
	p := startPaste(t, env, "auth", "--no-browser", "--timeout", "30s")
	authURL := p.authURL(t)
	resp, err := http.Get(signInElsewhere(t, authURL)) // what the tunnel delivers
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	code, stderr := p.finish(t, "")
	if code != 0 || !strings.Contains(stderr, "Open this URL in your browser to sign in:") || strings.Contains(stderr, "paste flow") {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	if _, err := os.Stat(argvFile); err == nil {
		t.Error("a browser was started despite --no-browser")
	}
}
