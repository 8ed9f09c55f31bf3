package lean

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// install puts an executable file named name in dir.
func install(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFindTipCLI(t *testing.T) {
	release := t.TempDir()
	self := install(t, release, Prog+exeSuffix)
	onPath := install(t, t.TempDir(), "tip-cli"+exeSuffix)
	linkDir := t.TempDir()
	link := filepath.Join(linkDir, Prog)
	if err := os.Symlink(self, link); err != nil {
		t.Fatal(err)
	}
	lookPath := func(string) (string, error) { return onPath, nil }
	noPath := func(string) (string, error) { return "", errors.New("not found") }
	tests := []struct {
		name      string
		exe       string
		neighbour bool
		look      func(string) (string, error)
		want      string
	}{
		{"next to it", self, true, lookPath, filepath.Join(release, "tip-cli"+exeSuffix)},
		{"through a symlink", link, true, noPath, filepath.Join(release, "tip-cli"+exeSuffix)},
		{"else on PATH", self, false, lookPath, onPath},
		{"never itself", self, false, func(string) (string, error) { return self, nil }, ""},
		{"nowhere", self, false, noPath, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next := filepath.Join(release, "tip-cli"+exeSuffix)
			_ = os.Remove(next)
			if tt.neighbour {
				install(t, release, "tip-cli"+exeSuffix)
			}
			d := &Deps{Executable: func() (string, error) { return tt.exe, nil }, LookPath: tt.look}
			got, err := findTipCLI(d)
			if tt.want == "" {
				if err == nil || !strings.Contains(err.Error(), "install tip-cli") || strings.Contains(err.Error(), "\n") {
					t.Errorf("findTipCLI = %q, %v; want a one-line install error", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("findTipCLI = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestMainHandsOffUnchanged: a command line the lean binary does not serve
// reaches tip-cli with the same arguments and streams, and tip-cli's exit
// status is returned.
func TestMainHandsOffUnchanged(t *testing.T) {
	dir := t.TempDir()
	self := install(t, dir, Prog+exeSuffix)
	full := install(t, dir, "tip-cli"+exeSuffix)
	var stdout, stderr bytes.Buffer
	stdin := strings.NewReader("in")
	var gotArgv, gotEnv []string
	var gotStreams []any
	d := &Deps{
		Args:   []string{"auth", "status", "--profile", "x"},
		Getenv: env("AWS_TIP_CLI", t.TempDir()), Environ: func() []string { return []string{"A=1"} },
		Stdin: stdin, Stdout: &stdout, Stderr: &stderr, Now: time.Now,
		Executable: func() (string, error) { return self, nil },
		LookPath:   func(string) (string, error) { return "", errors.New("no PATH") },
		Handoff: func(path string, argv, env []string, in io.Reader, out, errOut io.Writer) (int, error) {
			gotArgv, gotEnv, gotStreams = argv, env, []any{in, out, errOut}
			return 4, nil
		},
	}
	if code := Main(d); code != 4 {
		t.Errorf("exit = %d, want tip-cli's 4", code)
	}
	if want := []string{full, "auth", "status", "--profile", "x"}; !reflect.DeepEqual(gotArgv, want) {
		t.Errorf("argv = %q, want %q", gotArgv, want)
	}
	if !reflect.DeepEqual(gotEnv, []string{"A=1"}) || gotStreams[0] != stdin || gotStreams[1] != &stdout || gotStreams[2] != &stderr {
		t.Errorf("env %q / streams not passed through", gotEnv)
	}
	if stdout.Len() != 0 || stderr.Len() != 0 {
		t.Errorf("lean binary printed before handing off: %q %q", stdout.String(), stderr.String())
	}

	_ = os.Remove(full)
	if code := Main(d); code != 1 || !strings.HasPrefix(stderr.String(), Prog+": tip-cli not found") || strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("without tip-cli: exit %d, stderr %q", code, stderr.String())
	}
}
