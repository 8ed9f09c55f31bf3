package awsconfig

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/tip-cli/tip-cli/internal/safefile"
)

// writeAtomic replaces path with data through a temp file in the same
// directory and a rename, so that readers (the AWS CLI running
// credential_process concurrently) never see a half-written file. A
// symlinked config is written through to its target; an existing file
// keeps its permission bits, a new one gets 0600 in a 0700 directory.
func writeAtomic(path string, data []byte) error {
	target, mode, err := resolveTarget(path)
	if err != nil {
		return err
	}
	dir := filepath.Dir(target)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	// Stale temp files of this name left by a killed write are removed.
	return safefile.WriteAtomic(target, data, mode)
}

// resolveTarget follows symlinks of an existing path and returns the file
// to replace and the permission bits to give it.
func resolveTarget(path string) (string, fs.FileMode, error) {
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return path, 0o600, nil
	}
	if err != nil {
		return "", 0, fmt.Errorf("stat %s: %w", path, err)
	}
	if !info.Mode().IsRegular() {
		return "", 0, fmt.Errorf("write %s: not a regular file", path)
	}
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", 0, fmt.Errorf("resolve %s: %w", path, err)
	}
	return target, info.Mode().Perm(), nil
}
