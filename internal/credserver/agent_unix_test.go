//go:build unix

package credserver_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/credserver"
)

// TestLoadAgentHostileFiles: a FIFO or a planted link in place of the
// agent's record or token fails at once instead of hanging `serve` or
// reading another file; a missing record is the zero agent.
func TestLoadAgentHostileFiles(t *testing.T) {
	if a, tok, err := credserver.LoadAgent(t.TempDir()); err != nil || tok != "" || a.Listen != "" {
		t.Fatalf("empty dir: %+v %q %v", a, tok, err)
	}
	for _, name := range []string{credserver.AgentFile, credserver.AgentTokenFile} {
		for _, kind := range []string{"fifo", "symlink"} {
			dir := t.TempDir()
			p := filepath.Join(dir, name)
			switch kind {
			case "fifo":
				if err := syscall.Mkfifo(p, 0o600); err != nil {
					t.Skip(err)
				}
			case "symlink":
				target := filepath.Join(dir, "elsewhere")
				if err := os.WriteFile(target, []byte(`{}`), 0o600); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(target, p); err != nil {
					t.Fatal(err)
				}
			}
			done := make(chan error, 1)
			go func() { _, _, err := credserver.LoadAgent(dir); done <- err }()
			select {
			case err := <-done:
				if err == nil {
					t.Errorf("%s as a %s: accepted", name, kind)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("%s as a %s: LoadAgent hangs", name, kind)
			}
		}
	}
}
