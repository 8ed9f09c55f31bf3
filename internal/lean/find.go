package lean

import (
	"fmt"
	"os"
	"path/filepath"
)

// findTipCLI locates the full tip-cli: next to this binary (its symlinks
// resolved, so /usr/local/bin/tip-credential-process → /opt/tip/… finds
// /opt/tip/tip-cli), else on PATH. It never returns this binary itself,
// which would hand off to itself forever.
func findTipCLI(d *Deps) (string, error) {
	self, err := d.Executable()
	if err == nil {
		if resolved, rerr := filepath.EvalSymlinks(self); rerr == nil {
			self = resolved
		}
		next := filepath.Join(filepath.Dir(self), "tip-cli"+exeSuffix)
		if fi, serr := os.Stat(next); serr == nil && fi.Mode().IsRegular() && !sameFile(next, self) {
			return next, nil
		}
	}
	if p, lerr := d.LookPath("tip-cli"); lerr == nil && !sameFile(p, self) {
		return p, nil
	}
	where := "this binary"
	if self != "" {
		where = self
	}
	return "", fmt.Errorf("tip-cli not found next to %s or on PATH: install tip-cli from the same release", where)
}

// sameFile reports whether a and b are one file.
func sameFile(a, b string) bool {
	if b == "" {
		return false
	}
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	return err == nil && os.SameFile(fa, fb)
}

// Beside returns the lean binary installed next to the tip-cli at tipCLI
// (next to the path as given, else next to its symlink target), or "" when
// there is none. `configure aws-profile` writes it into credential_process.
func Beside(tipCLI, goos string) string {
	name := Prog
	if goos == "windows" {
		name += ".exe"
	}
	dirs := []string{filepath.Dir(tipCLI)}
	if resolved, err := filepath.EvalSymlinks(tipCLI); err == nil {
		dirs = append(dirs, filepath.Dir(resolved))
	}
	for _, dir := range dirs {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
	}
	return ""
}
