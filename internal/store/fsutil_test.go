package store

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestSymlinksRefused: a planted symbolic link (lock file, locks or
// secrets directory, warning marker) never redirects what tip-cli creates,
// locks or reads.
func TestSymlinksRefused(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need a privilege on Windows")
	}
	ctx := context.Background()
	tests := []struct {
		name  string
		plant func(t *testing.T, dir, target string)
		try   func(dir string) error
	}{
		{"lock file", func(t *testing.T, dir, target string) {
			mustMkdir(t, filepath.Join(dir, LocksDirName))
			mustSymlink(t, filepath.Join(target, "victim"), filepath.Join(dir, LocksDirName, "p.lock"))
		}, func(dir string) error { _, err := Lock(ctx, dir, "p", 0); return err }},
		{"locks directory", func(t *testing.T, dir, target string) {
			mustSymlink(t, target, filepath.Join(dir, LocksDirName))
		}, func(dir string) error { _, err := Lock(ctx, dir, "p", 0); return err }},
		{"secrets directory (file store write)", func(t *testing.T, dir, target string) {
			mustSymlink(t, target, filepath.Join(dir, SecretsDirName))
		}, func(dir string) error { return NewFileStore(dir).Put(ctx, "p", sampleBundle("a")) }},
		{"secrets directory (file store read)", func(t *testing.T, dir, target string) {
			if err := os.WriteFile(filepath.Join(target, "p.json"), []byte("{}"), 0o600); err != nil {
				t.Fatal(err)
			}
			mustSymlink(t, target, filepath.Join(dir, SecretsDirName))
		}, func(dir string) error { _, err := NewFileStore(dir).Get(ctx, "p"); return err }},
		{"bundle file", func(t *testing.T, dir, target string) {
			if err := NewFileStore(target).Put(ctx, "p", sampleBundle("a")); err != nil {
				t.Fatal(err)
			}
			mustMkdir(t, filepath.Join(dir, SecretsDirName))
			mustSymlink(t, filepath.Join(target, SecretsDirName, "p.json"), filepath.Join(dir, SecretsDirName, "p.json"))
		}, func(dir string) error { _, err := NewFileStore(dir).Get(ctx, "p"); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, target := t.TempDir(), t.TempDir()
			tt.plant(t, dir, target)
			before, _ := os.ReadDir(target)
			err := tt.try(dir)
			if err == nil || !strings.Contains(err.Error(), "symbolic link") {
				t.Fatalf("want a symbolic-link refusal, got %v", err)
			}
			if after, _ := os.ReadDir(target); len(after) != len(before) {
				t.Errorf("created something through the link: %v", after)
			}
		})
	}
}

func TestWarnMarkerNotWrittenThroughSymlink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need a privilege on Windows")
	}
	dir, target := t.TempDir(), t.TempDir()
	victim := filepath.Join(target, "victim")
	mustSymlink(t, victim, filepath.Join(dir, warnMarkerName))
	var warn bytes.Buffer
	warnFileStore(dir, &warn, "test")
	if _, err := os.Stat(victim); err == nil {
		t.Error("the marker was written through a symbolic link")
	}
}

func mustMkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
}

func mustSymlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}
