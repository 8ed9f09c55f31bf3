package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/tip-cli/tip-cli/internal/safefile"
)

// DefaultProfile is the profile used when neither --profile nor
// TIP_CLI_PROFILE names one.
const DefaultProfile = "default"

// FileName is the config file inside the config directory.
const FileName = "config.json"

// MaxFileSize bounds config.json: a real one is a few KB, and reading an
// unbounded file (a mistaken path, a planted device or huge file) on every
// credential_process call is refused instead.
const MaxFileSize = 1 << 20

// File is the whole config.json.
type File struct {
	// SignIns are the shared sign-ins: IdP settings only (signin.go).
	SignIns  map[string]*Profile `json:"sign_ins,omitempty"`
	Profiles map[string]*Profile `json:"profiles"`
}

// NotConfiguredError says a profile has not been configured yet.
type NotConfiguredError struct{ Profile string }

func (e *NotConfiguredError) Error() string {
	if e.Profile == DefaultProfile {
		return "tip-cli is not configured: run `tip-cli configure idp`"
	}
	return fmt.Sprintf("profile %q is not configured: run `tip-cli --profile %s configure idp`", e.Profile, e.Profile)
}

// Dir returns the config directory: $AWS_TIP_CLI, else ~/.aws_tip_cli.
// getenv is injected so commands read the environment in one place.
func Dir(getenv func(string) string) (string, error) {
	if d := getenv("AWS_TIP_CLI"); d != "" {
		return d, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("locate home directory: %w", err)
	}
	return filepath.Join(home, ".aws_tip_cli"), nil
}

// Load reads dir/config.json. A missing file is an empty config. The Python
// tip-cli's flat file (one profile's keys at the top level) loads as the
// default profile.
func Load(dir string) (*File, error) {
	path := filepath.Join(dir, FileName)
	data, err := readBounded(path)
	if errors.Is(err, os.ErrNotExist) {
		return &File{Profiles: map[string]*Profile{}}, nil
	}
	if err != nil {
		return nil, err
	}
	f, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("config file %s is corrupt (fix or remove it): %w", path, err)
	}
	return f, nil
}

// readBounded reads path, refusing anything that is not a regular file of
// at most MaxFileSize bytes (a FIFO would block, /dev/zero never ends). A
// link is followed: people keep config files in dotfile repositories.
func readBounded(path string) ([]byte, error) {
	data, err := safefile.Read(path, MaxFileSize)
	if errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return data, nil
}

// parse decodes config.json in either the profiles form or the legacy flat form.
func parse(data []byte) (*File, error) {
	if f, ok := parseFast(data); ok {
		// The same checks as below; a fast decode has no null profile.
		if err := f.checkSignIns(); err != nil {
			return nil, err
		}
		return f, nil
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, err
	}
	if probe == nil {
		return nil, errors.New("config is not a JSON object")
	}
	if _, ok := probe["profiles"]; ok {
		var f File
		if err := json.Unmarshal(data, &f); err != nil {
			return nil, err
		}
		if f.Profiles == nil {
			f.Profiles = map[string]*Profile{}
		}
		for name, p := range f.Profiles {
			if p == nil {
				return nil, fmt.Errorf("profile %q is null", name)
			}
		}
		if err := f.checkSignIns(); err != nil {
			return nil, err
		}
		return &f, nil
	}
	p, err := ParseProfileJSON(data, "")
	if err != nil {
		return nil, err
	}
	return &File{Profiles: map[string]*Profile{DefaultProfile: p}}, nil
}

// ParseProfileJSON decodes one profile in the original tool's key set. The
// provider is taken from provider (a flag), else the "provider" or "idp"
// key, else inferred from which preset keys are present.
func ParseProfileJSON(data []byte, provider string) (*Profile, error) {
	var p Profile
	dec := json.NewDecoder(strings.NewReader(string(data)))
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("malformed JSON: %w", err)
	}
	var extra struct {
		IdP string `json:"idp"`
	}
	_ = json.Unmarshal(data, &extra)
	switch {
	case provider != "":
		p.Provider = provider
	case p.Provider != "":
	case extra.IdP != "":
		p.Provider = extra.IdP
	default:
		p.Provider = inferProvider(&p)
	}
	p.Provider = canonicalProvider(p.Provider)
	return &p, nil
}

// Profile returns the named profile as used (with its shared sign-in's IdP
// settings, if it names one) or a *NotConfiguredError.
func (f *File) Profile(name string) (*Profile, error) {
	p, ok := f.Profiles[name]
	if !ok {
		return nil, &NotConfiguredError{Profile: name}
	}
	return f.resolve(name, p)
}

// Names returns the profile names, sorted.
func (f *File) Names() []string {
	names := make([]string, 0, len(f.Profiles))
	for n := range f.Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Save writes the config atomically (temp file + rename, 0600 in a 0700
// directory) so that a failure never leaves a half-written config. The
// config directory is created, or tightened, to 0700 (see EnsureDir).
func Save(dir string, f *File) error {
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("encode config: %w", err)
	}
	if len(data) > MaxFileSize {
		return fmt.Errorf("config would be %d bytes, over the 1 MiB limit", len(data))
	}
	if err := EnsureDir(dir); err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(dir, FileName), append(data, '\n'))
}

// EnsureDir creates the config directory as 0700, or tightens an existing
// one that is group- or world-accessible to 0700: it holds the lock files,
// the secrets directory and the IdP metadata cache. (No-op for modes on
// Windows, where they do not carry access control.)
func EnsureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create config directory %s: %w", dir, err)
	}
	if runtime.GOOS == "windows" {
		return nil
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("config directory %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("config directory %s is not a directory", dir)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("restrict config directory %s to 0700: %w", dir, err)
		}
	}
	return nil
}

// WriteFileAtomic writes data to path through a temp file in the same
// directory and a rename, creating the directory 0700 and the file 0600;
// stale temp files of path left by a killed writer are removed
// (safefile.WriteAtomic).
func WriteFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	return safefile.WriteAtomic(path, data, 0o600)
}
