package store

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/store/storetest"
)

// sealedWriterEnv makes TestSealedWriterProcess a writer: "<key item>\n<dir>".
const sealedWriterEnv = "TIP_CLI_TEST_SEALED_WRITER"

// TestKeyringSIGKILLDuringWrites kills a process that rewrites a sealed
// file in a tight loop, several times, at random points: the file always
// opens whole as one of the bundles written, never torn.
func TestKeyringSIGKILLDuringWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes")
	}
	ctx := context.Background()
	kr := storetest.NewKeyring(0)
	s := newTestKeyring(t, kr)
	if err := s.Put(ctx, "p", sampleBundle("w0")); err != nil {
		t.Fatal(err)
	}
	item := kr.Item(KeyringService, itemOf(t, s, "p"))
	for round := range 5 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSealedWriterProcess$")
		cmd.Env = append(os.Environ(), sealedWriterEnv+"="+item+"\n"+s.Dir)
		stdout, _ := cmd.StdoutPipe()
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "writing\n" {
			t.Fatalf("writer said %q, %v", line, err)
		}
		time.Sleep(time.Duration(5+7*round) * time.Millisecond)
		_ = cmd.Process.Kill() // SIGKILL
		_ = cmd.Wait()
		b, err := s.Get(ctx, "p")
		if err != nil || b == nil {
			t.Fatalf("round %d: after SIGKILL the bundle reads %v, %v", round, b != nil, err)
		}
		if tag := b.IdP.RefreshToken; len(tag) < 4 || tag[:4] != "rt-w" {
			t.Fatalf("round %d: unexpected bundle %q", round, tag)
		}
	}
}

// TestSealedWriterProcess is not a real test: it is the writer that
// TestKeyringSIGKILLDuringWrites kills.
func TestSealedWriterProcess(t *testing.T) {
	env := os.Getenv(sealedWriterEnv)
	if env == "" {
		t.Skip("helper process for TestKeyringSIGKILLDuringWrites")
	}
	item, dir, _ := strings.Cut(env, "\n")
	kr := storetest.NewKeyring(0)
	s := NewKeyringStore(dir, kr)
	kr.SetItem(KeyringService, itemOf(t, s, "p"), item)
	fmt.Println("writing")
	for i := 1; ; i++ {
		if err := s.Put(context.Background(), "p", bigBundle(fmt.Sprint("w", i))); err != nil {
			fmt.Fprintln(os.Stderr, "writer:", err)
			os.Exit(2)
		}
	}
}
