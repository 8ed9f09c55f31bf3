// Package awsconfig edits the AWS CLI/SDK shared config file
// (~/.aws/config) without disturbing it: a profile's settings are replaced
// or appended in place, and every other line — comments, [default],
// [sso-session …], [services …] and their nested settings — stays byte for
// byte. Lines are classified the way botocore's configparser reads them.
package awsconfig

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"

	"github.com/tip-cli/tip-cli/internal/safefile"
)

// defaultProfile is the profile written as "[default]".
const defaultProfile = "default"

var (
	// Lengths (at most 128) are checked apart: bounded repetitions compile
	// into large programs at every process start.
	profileNameRE = regexp.MustCompile(`^[A-Za-z0-9_.@+=,:/~][A-Za-z0-9_.@+=,:/~-]*$`)
	settingKeyRE  = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)
)

// KV is one setting of a profile ("credential_process", "region", …).
type KV struct {
	Key   string
	Value string
}

// Path returns the AWS config file: $AWS_CONFIG_FILE (with a leading "~"
// expanded) or ~/.aws/config, as botocore and the Go SDK resolve it.
func Path(getenv func(string) string) (string, error) {
	return sharedPath(getenv, "AWS_CONFIG_FILE", "config")
}

// sharedPath resolves one of the shared files: $envVar (a leading "~"
// expanded) or ~/.aws/base.
func sharedPath(getenv func(string) string, envVar, base string) (string, error) {
	home := homeDir(getenv)
	if p := getenv(envVar); p != "" {
		if p == "~" || strings.HasPrefix(p, "~/") || strings.HasPrefix(p, `~\`) {
			if home == "" {
				return "", fmt.Errorf("expand %s %q: home directory unknown", envVar, p)
			}
			p = filepath.Join(home, p[1:])
		}
		return p, nil
	}
	if home == "" {
		return "", fmt.Errorf("locate aws %s file: home directory unknown (set HOME or %s)", base, envVar)
	}
	return filepath.Join(home, ".aws", base), nil
}

func homeDir(getenv func(string) string) string {
	if runtime.GOOS == "windows" {
		if h := getenv("USERPROFILE"); h != "" {
			return h
		}
	}
	return getenv("HOME")
}

// ProfileSection returns the section header of a profile: "[default]" for
// the default profile, "[profile NAME]" otherwise.
func ProfileSection(name string) string {
	if name == defaultProfile {
		return "[default]"
	}
	return "[profile " + name + "]"
}

// ValidateProfileName accepts names botocore and the Go SDK read back
// unchanged from "[profile NAME]" and that are safe on a command line:
// letters, digits and _.@+=,:/~- (not leading '-'), at most 128.
func ValidateProfileName(name string) error {
	if name == "" {
		return errors.New("profile name is empty")
	}
	if !profileNameRE.MatchString(name) || len(name) > 128 {
		return fmt.Errorf("invalid profile name %q: use letters, digits and _.@+=,:/~- (not leading -), at most 128 characters", name)
	}
	return nil
}

func validateSettings(settings []KV) error {
	for i, kv := range settings {
		if !settingKeyRE.MatchString(kv.Key) || len(kv.Key) > 128 {
			return fmt.Errorf("invalid setting name %q", kv.Key)
		}
		if strings.ContainsAny(kv.Value, "\r\n\x00") {
			return fmt.Errorf("setting %s: value must be a single line", kv.Key)
		}
		if err := readersAgree(kv.Value); err != nil {
			return fmt.Errorf("setting %s: %w", kv.Key, err)
		}
		for _, prev := range settings[:i] {
			if strings.EqualFold(prev.Key, kv.Key) {
				return fmt.Errorf("setting %s given twice", kv.Key)
			}
		}
	}
	return nil
}

// readersAgree refuses a value that botocore (and so the AWS CLI v1 and
// v2) and the Go SDK would read back differently. botocore's configparser
// keeps the whole value after trimming white space; the Go SDK also cuts
// it at the first space or tab followed by # or ; (an inline comment, even
// inside quotes) and strips one pair of quotes around the whole value.
func readersAgree(v string) error {
	if strings.TrimSpace(v) != v {
		return errors.New("value must not start or end with white space")
	}
	for _, c := range []string{" #", " ;", "\t#", "\t;"} {
		if strings.Contains(v, c) {
			return fmt.Errorf("value contains %q, where the Go SDK's config reader starts a comment (botocore does not): they would read different values", c)
		}
	}
	if len(v) >= 2 && (v[0] == '\'' || v[0] == '"') && v[len(v)-1] == v[0] {
		return fmt.Errorf("value is wrapped in %c quotes, which the Go SDK's config reader strips (botocore does not)", v[0])
	}
	return nil
}

// SetProfile writes settings into the profile's section of the config file
// at path. An existing section is edited in place: a setting's line (with
// any continuation lines) is replaced, a missing setting is appended after
// the section's last setting; every other line is kept byte for byte and
// the file's line endings are kept. A missing section is appended at the
// end. A missing file is created 0600 (its directory 0700); an existing
// file keeps its mode. created reports whether the section was added.
func SetProfile(path, name string, settings []KV) (created bool, err error) {
	return setInFile(path, name, configLayout(name), settings, nil)
}

// setInFile is SetProfile for the section l names; check, when set, may
// refuse the file's current content before anything is written.
func setInFile(path, name string, l layout, settings []KV, check func(data string) error) (bool, error) {
	if err := ValidateProfileName(name); err != nil {
		return false, err
	}
	if err := validateSettings(settings); err != nil {
		return false, err
	}
	data, err := readConfig(path)
	if err != nil {
		return false, err
	}
	if check != nil {
		if err := check(data); err != nil {
			return false, err
		}
	}
	out, created, err := setSectionData(data, l, settings)
	if err != nil {
		return false, fmt.Errorf("set profile %s in %s: %w", name, path, err)
	}
	if out == data {
		return false, nil
	}
	if err := writeAtomic(path, []byte(out)); err != nil {
		return false, err
	}
	return created, nil
}

// maxConfigBytes bounds the AWS config file tip-cli edits; real ones are
// a few KB.
const maxConfigBytes = 16 << 20

// readConfig reads the AWS config file (links followed, as the AWS CLI
// does), refusing a FIFO, a device or a file over maxConfigBytes at once.
// AWS_CONFIG_FILE=/dev/null, the usual "no config file", reads as empty.
func readConfig(path string) (string, error) {
	if path == os.DevNull {
		return "", nil
	}
	data, err := safefile.Read(path, maxConfigBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read aws config %s: %w", path, err)
	}
	return string(data), nil
}
