//go:build unix

package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/idp"
	"github.com/tip-cli/tip-cli/internal/store"
)

// TestHostileFilesFailFast puts a FIFO with no writer, /dev/zero (through
// a link where the file is read through links) and a 1 GB sparse file
// where each binary reads a file: every call ends within seconds with one
// line on stderr naming the file and nothing on stdout, and both binaries
// answer alike. Before the reads were bounded a FIFO hung both binaries
// and --policy file:///dev/zero grew tip-cli to 600 MB.
func TestHostileFilesFailFast(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts real processes; needs FIFOs")
	}
	bins := installBinaries(t)
	k, env := parityKit(t, bins)
	storeFile := filepath.Join(k.Dir, store.SecretsDirName, "default.json")
	configFile := filepath.Join(k.Dir, "config.json")
	scratch := t.TempDir()
	iam := []string{"auth", "get-iam-credentials"}
	type hostile struct {
		name  string
		place func(t *testing.T, path string) // turns path into the hostile file
		want  string                          // in the one stderr line
	}
	kinds := []hostile{
		{"FIFO", func(t *testing.T, p string) { mkfifoOrFail(t, p) }, "not a regular file (a named pipe)"},
		{"1 GB file", func(t *testing.T, p string) { sparse(t, p, 1<<30) }, "larger than the"},
	}
	followed := append(kinds, hostile{"/dev/zero", func(t *testing.T, p string) { symlink(t, "/dev/zero", p) }, "not a regular file (a character device)"})
	type place struct {
		name     string
		path     string
		kinds    []hostile
		args     func(path string) []string
		succeeds bool   // the file is only an optimisation: the call works without it
		want     string // overrides the kind's message
		env      string // names path in this variable
	}
	places := []place{
		{"--policy file://", filepath.Join(scratch, "policy.json"), followed,
			func(p string) []string { return append(iam, "--policy", "file://"+p) }, false, "", ""},
		{"configure idp --config", filepath.Join(scratch, "idp.json"), followed,
			func(p string) []string { return []string{"--profile", "other", "configure", "idp", "--config", p} }, false, "", ""},
		{"config file", configFile, followed, func(string) []string { return iam }, false, "", ""},
		{"store file", storeFile, kinds[:1], func(string) []string { return append(iam, "--non-interactive") }, false, "", ""},
		// An oversized store file is not something tip-cli wrote: it reads
		// as absent, like a corrupt one, and the next sign-in replaces it.
		{"store file", storeFile, kinds[1:], func(string) []string { return append(iam, "--non-interactive") }, false, "not signed in", ""},
		{"IdP metadata cache", metadataCacheFile(k.Dir, k.Env.IdP.Issuer()), kinds,
			func(string) []string { return append(iam, "--force-refresh", "--non-interactive") }, true, "", ""},
		{"refresh lock", filepath.Join(k.Dir, store.LocksDirName, "default.lock"), kinds[:1],
			func(string) []string { return append(iam, "--force-refresh", "--non-interactive") }, true, "", ""},
		// The SDK reads these by name; tip-cli checks them first.
		{"AWS config file", filepath.Join(scratch, "aws-config"), followed,
			func(string) []string { return append(iam, "--force-refresh", "--non-interactive") }, false, "", "AWS_CONFIG_FILE"},
		{"AWS credentials file", filepath.Join(scratch, "aws-credentials"), followed,
			func(string) []string { return append(iam, "--force-refresh", "--non-interactive") }, false, "", "AWS_SHARED_CREDENTIALS_FILE"},
	}
	for _, pl := range places {
		for _, h := range pl.kinds {
			t.Run(pl.name+" "+h.name, func(t *testing.T) {
				restore := setAside(t, pl.path)
				defer restore()
				h.place(t, pl.path)
				e := env
				if pl.env != "" {
					e = append(append([]string{}, env...), pl.env+"="+pl.path)
				}
				var answers []procResult
				for _, exe := range []string{bins.full, bins.lean} {
					r, took := runBounded(t, exe, e, pl.args(pl.path)...)
					if took > 10*time.Second {
						t.Errorf("%s took %v", filepath.Base(exe), took)
					}
					answers = append(answers, r)
				}
				full, lean := answers[0], answers[1]
				if pl.succeeds {
					// A refresh: fresh credentials from each binary.
					for _, r := range answers {
						if r.code != 0 || r.stdout == "" || r.stderr != "" {
							t.Errorf("exit %d stdout %d bytes stderr %q; want credentials", r.code, len(r.stdout), r.stderr)
						}
					}
					return
				}
				if full != lean {
					t.Errorf("binaries differ:\ntip-cli: %+v\nlean:    %+v", full, lean)
				}
				want, naming := h.want, pl.path
				if pl.want != "" {
					want, naming = pl.want, ""
				}
				// One line of error; a usage error (exit 2) adds the usual hint.
				msg := strings.TrimSuffix(strings.TrimSuffix(full.stderr, "\n"), "\nRun 'tip-cli --help' for usage.")
				if full.code == 0 || full.stdout != "" || strings.Contains(msg, "\n") ||
					!strings.Contains(msg, naming) || !strings.Contains(msg, want) {
					t.Errorf("exit %d stdout %q stderr %q; want one line naming %q, %q", full.code, full.stdout, full.stderr, naming, want)
				}
			})
		}
	}
}

func metadataCacheFile(dir, issuer string) string {
	sum := sha256.Sum256([]byte(issuer))
	return filepath.Join(dir, idp.MetadataCacheDirName, hex.EncodeToString(sum[:16])+".json")
}

// runBounded runs exe once and kills it after 15 s (a hang fails the test
// instead of stalling it), returning how long it ran.
func runBounded(t *testing.T, exe string, env []string, args ...string) (procResult, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if ctx.Err() != nil {
		t.Errorf("%s %q hung (killed after 15 s)", filepath.Base(exe), args)
	}
	return procResult{code: code, stdout: out.String(), stderr: errOut.String()}, took
}

// setAside moves path away (if it exists) and returns a function that
// puts it back, removing whatever the test put there.
func setAside(t *testing.T, path string) func() {
	t.Helper()
	saved := path + ".saved"
	had := os.Rename(path, saved) == nil
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	return func() {
		_ = os.Remove(path)
		if had {
			if err := os.Rename(saved, path); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func mkfifoOrFail(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
}

func sparse(t *testing.T, path string, size int64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, path string) {
	t.Helper()
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
}
