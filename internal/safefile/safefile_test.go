package safefile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// within fails the test when read does not return in time: a FIFO or
// /dev/zero that blocks would otherwise hang the test binary.
func within(t *testing.T, read func() ([]byte, error)) ([]byte, error) {
	t.Helper()
	type result struct {
		data []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		d, err := read()
		done <- result{d, err}
	}()
	select {
	case r := <-done:
		return r.data, r.err
	case <-time.After(10 * time.Second):
		t.Fatal("read blocked")
		return nil, nil
	}
}

func TestReadRegularFile(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "f.json")
	if err := os.WriteFile(p, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, read := range map[string]func(string, int64) ([]byte, error){"Read": Read, "ReadNoFollow": ReadNoFollow} {
		got, err := read(p, 2)
		if err != nil || string(got) != "{}" {
			t.Errorf("%s = %q, %v", name, got, err)
		}
		if _, err := read(p+".missing", 2); !errors.Is(err, fs.ErrNotExist) || IsRefused(err) {
			t.Errorf("%s of a missing file: %v, want fs.ErrNotExist", name, err)
		}
	}
}

func TestReadRefuses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	big := filepath.Join(dir, "big")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	// 1 GB, sparse: costs nothing to create, everything to read whole.
	if err := f.Truncate(1 << 30); err != nil {
		t.Fatal(err)
	}
	f.Close()
	small := filepath.Join(dir, "small")
	if err := os.WriteFile(small, []byte("12345"), 0o600); err != nil {
		t.Fatal(err)
	}
	type refusal struct {
		name, path string
		limit      int64
		want       string
	}
	tests := []refusal{
		{"1 GB file", big, 1 << 20, "refusing " + big + ": larger than the 1 MiB limit"},
		{"one byte over", small, 4, "refusing " + small + ": larger than the 4-byte limit"},
		{"directory", dir, 1 << 20, "refusing " + dir + ": not a regular file (a directory)"},
	}
	if runtime.GOOS != "windows" {
		fifo := filepath.Join(dir, "fifo")
		mkfifo(t, fifo)
		tests = append(tests,
			refusal{"FIFO without a writer", fifo, 1 << 20, "refusing " + fifo + ": not a regular file (a named pipe)"},
			refusal{"/dev/zero", "/dev/zero", 1 << 20, "refusing /dev/zero: not a regular file (a character device)"})
	}
	for _, tt := range tests {
		for name, read := range map[string]func(string, int64) ([]byte, error){"Read": Read, "ReadNoFollow": ReadNoFollow} {
			start := time.Now()
			got, err := within(t, func() ([]byte, error) { return read(tt.path, tt.limit) })
			if err == nil || err.Error() != tt.want || got != nil || !IsRefused(err) {
				t.Errorf("%s %s = %d bytes, %v; want %q", name, tt.name, len(got), err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("%s %s: error spans lines: %q", name, tt.name, err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("%s %s took %v", name, tt.name, d)
			}
		}
	}
}

func TestReadNoFollowRefusesSymlink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Skip(err) // Windows without the privilege
	}
	_, err := ReadNoFollow(link, 1<<10)
	var sl *symlinkError
	if !errors.As(err, &sl) || err.Error() != "refusing "+link+": it is a symbolic link" {
		t.Errorf("ReadNoFollow(link) = %v, want a *symlinkError", err)
	}
	if got, err := Read(link, 1<<10); err != nil || string(got) != "secret" {
		t.Errorf("Read(link) = %q, %v; want the target's content", got, err)
	}
	// A link to a FIFO is still refused when followed.
	if runtime.GOOS != "windows" {
		fifo := filepath.Join(dir, "fifo")
		mkfifo(t, fifo)
		fl := filepath.Join(dir, "fifolink")
		if err := os.Symlink(fifo, fl); err != nil {
			t.Fatal(err)
		}
		if _, err := within(t, func() ([]byte, error) { return Read(fl, 1<<10) }); !IsRefused(err) {
			t.Errorf("Read(link to FIFO) = %v, want refused", err)
		}
	}
}
