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
	"slices"
	"strings"
)

// DefaultProfile is the profile written as "[default]".
const DefaultProfile = "default"

var (
	profileNameRE = regexp.MustCompile(`^[A-Za-z0-9_.@+=,:/~][A-Za-z0-9_.@+=,:/~-]{0,127}$`)
	settingKeyRE  = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
)

// KV is one setting of a profile ("credential_process", "region", …).
type KV struct {
	Key   string
	Value string
}

// Path returns the AWS config file: $AWS_CONFIG_FILE (with a leading "~"
// expanded) or ~/.aws/config, as botocore and the Go SDK resolve it.
func Path(getenv func(string) string) (string, error) {
	home := homeDir(getenv)
	if p := getenv("AWS_CONFIG_FILE"); p != "" {
		if p == "~" || strings.HasPrefix(p, "~/") || strings.HasPrefix(p, `~\`) {
			if home == "" {
				return "", fmt.Errorf("expand AWS_CONFIG_FILE %q: home directory unknown", p)
			}
			p = filepath.Join(home, p[1:])
		}
		return p, nil
	}
	if home == "" {
		return "", errors.New("locate aws config file: home directory unknown (set HOME or AWS_CONFIG_FILE)")
	}
	return filepath.Join(home, ".aws", "config"), nil
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
	if name == DefaultProfile {
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
	if !profileNameRE.MatchString(name) {
		return fmt.Errorf("invalid profile name %q: use letters, digits and _.@+=,:/~- (not leading -), at most 128 characters", name)
	}
	return nil
}

func validateSettings(settings []KV) error {
	for i, kv := range settings {
		if !settingKeyRE.MatchString(kv.Key) {
			return fmt.Errorf("invalid setting name %q", kv.Key)
		}
		if strings.ContainsAny(kv.Value, "\r\n\x00") {
			return fmt.Errorf("setting %s: value must be a single line", kv.Key)
		}
		for _, prev := range settings[:i] {
			if strings.EqualFold(prev.Key, kv.Key) {
				return fmt.Errorf("setting %s given twice", kv.Key)
			}
		}
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
	out, created := setProfileData(data, name, settings)
	if out == data {
		return false, nil
	}
	if err := writeAtomic(path, []byte(out)); err != nil {
		return false, err
	}
	return created, nil
}

// setProfileData applies SetProfile's edit to the file content; name and
// settings are valid.
func setProfileData(data, name string, settings []KV) (string, bool) {
	lines := splitLines(data)
	created := false
	if _, ok := findSection(lines, classify(lines), name); !ok {
		lines = appendSection(lines, name)
		created = true
	}
	for _, kv := range settings {
		lines = setOption(lines, name, kv)
	}
	return string(joinLines(lines)), created
}

// RemoveProfile deletes the profile's section (its header and settings;
// comments and blank lines before the next section stay). It reports
// whether a section was found; a missing file is not an error.
func RemoveProfile(path, name string) (bool, error) {
	if err := ValidateProfileName(name); err != nil {
		return false, err
	}
	data, err := readConfig(path)
	if err != nil {
		return false, err
	}
	out, removed := removeProfileData(data, name)
	if !removed {
		return false, nil
	}
	return true, writeAtomic(path, []byte(out))
}

// removeProfileData applies RemoveProfile's edit to the file content.
func removeProfileData(data, name string) (string, bool) {
	lines := splitLines(data)
	removed := false
	for {
		s, ok := findSection(lines, classify(lines), name)
		if !ok {
			break
		}
		lines = removeSection(lines, s)
		removed = true
	}
	return string(joinLines(lines)), removed
}

func readConfig(path string) (string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read aws config %s: %w", path, err)
	}
	return string(data), nil
}

func formatOption(kv KV) string {
	return kv.Key + " = " + kv.Value
}

// appendSection adds an empty section at the end, after a blank line.
func appendSection(lines []line, name string) []line {
	nl := newline(lines)
	if n := len(lines); n > 0 {
		if lines[n-1].eol == "" {
			lines[n-1].eol = nl
		}
		if !isBlank(lines[n-1]) {
			lines = append(lines, line{eol: nl})
		}
	}
	return append(lines, line{text: ProfileSection(name), eol: nl})
}

// setOption replaces the first occurrence of kv.Key in the section (and
// drops later duplicates) or appends it after the section's last setting.
func setOption(lines []line, name string, kv KV) []line {
	kinds := classify(lines)
	s, _ := findSection(lines, kinds, name)
	key := strings.ToLower(kv.Key)
	found := false
	// Backwards, so that edits never shift the lines still to be visited.
	for i := s.end - 1; i > s.header; i-- {
		if kinds[i] != kindOption || optionKey(lines[i].text) != key {
			continue
		}
		blockEnd := optionBlock(kinds, i, s.end)
		if hasKeyBefore(lines, kinds, s.header+1, i, key) { // a duplicate
			lines = slices.Delete(lines, i, blockEnd)
			continue
		}
		found = true
		if blockEnd == i+1 && optionValue(lines[i].text) == kv.Value {
			continue // already set: keep the user's formatting
		}
		eol := lines[blockEnd-1].eol
		lines = slices.Replace(lines, i, blockEnd, line{text: formatOption(kv), eol: eol})
	}
	if found {
		return lines
	}
	nl := newline(lines)
	at := s.last
	if lines[at-1].eol == "" {
		lines[at-1].eol = nl
	}
	return slices.Insert(lines, at, line{text: formatOption(kv), eol: nl})
}

func hasKeyBefore(lines []line, kinds []kind, from, to int, key string) bool {
	for j := from; j < to; j++ {
		if kinds[j] == kindOption && optionKey(lines[j].text) == key {
			return true
		}
	}
	return false
}

// removeSection drops the section's header and settings, the blank lines
// after them and, at the end of the file, one blank line before it.
func removeSection(lines []line, s section) []line {
	from, to := s.header, s.last
	for to < s.end && isBlank(lines[to]) {
		to++
	}
	if to == len(lines) && from > 0 && isBlank(lines[from-1]) {
		from--
	}
	return slices.Delete(lines, from, to)
}
