package config

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestConfigDirCreatedOrTightenedTo0700(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX modes")
	}
	for _, tt := range []struct {
		name   string
		before os.FileMode // 0: does not exist
	}{{"created", 0}, {"world-readable", 0o755}, {"group-writable", 0o770}, {"already private", 0o700}} {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "cfg")
			if tt.before != 0 {
				if err := os.Mkdir(dir, tt.before); err != nil {
					t.Fatal(err)
				}
				_ = os.Chmod(dir, tt.before) // umask
			}
			if err := Save(dir, &File{Profiles: map[string]*Profile{}}); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(dir)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o700 {
				t.Errorf("config dir mode %o, want 700", fi.Mode().Perm())
			}
		})
	}
}

func TestLoadRefusesOversizeAndNonRegularConfig(t *testing.T) {
	for _, tt := range []struct {
		name  string
		plant func(t *testing.T, path string)
		want  string
	}{
		{"over 1 MiB", func(t *testing.T, path string) {
			data := `{"profiles":{},"pad":"` + strings.Repeat("x", MaxFileSize) + `"}`
			if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
				t.Fatal(err)
			}
		}, "larger than the 1 MiB limit"},
		{"a directory", func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o700); err != nil {
				t.Fatal(err)
			}
		}, "not a regular file"},
		{"a FIFO", mkfifo, "not a regular file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.plant(t, filepath.Join(dir, FileName))
			_, err := Load(dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load: %v, want %q", err, tt.want)
			}
		})
	}
	// Exactly at the bound still loads.
	dir := t.TempDir()
	data := `{"profiles":{}}` + strings.Repeat(" ", MaxFileSize-len(`{"profiles":{}}`))
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); err != nil {
		t.Errorf("a 1 MiB config: %v", err)
	}
}
