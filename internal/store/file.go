package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// SecretsDirName is the directory under the config directory that holds the
// file store's bundles.
const SecretsDirName = "secrets"

// maxEncodedProfile bounds an encoded profile name so that file names stay
// under the usual 255-byte limit and keyring item names under the macOS
// command-line budget (see DefaultChunkLimit).
const maxEncodedProfile = 200

// fileVersion is the version of the file store's envelope.
const fileVersion = 1

// FileStore keeps one owner-only JSON file per profile under
// <Dir>/secrets/<profile>.json (directory 0700, file 0600), replaced
// atomically, for machines without a reachable OS keyring.
type FileStore struct {
	// Dir is the config directory ($AWS_TIP_CLI).
	Dir string
}

// fileEnvelope is what a file holds. Profile lets Get refuse a file that
// belongs to another profile (e.g. on a case-insensitive file system).
type fileEnvelope struct {
	Version int     `json:"version"`
	Profile string  `json:"profile"`
	Bundle  *Bundle `json:"bundle"`
}

// NewFileStore returns a FileStore rooted at dir.
func NewFileStore(dir string) *FileStore { return &FileStore{Dir: dir} }

// Name implements Store.
func (s *FileStore) Name() string { return "file" }

// Path returns the file that holds profile's bundle.
func (s *FileStore) Path(profile string) (string, error) {
	if s.Dir == "" {
		return "", errors.New("file store: no config directory")
	}
	enc, err := encodeProfile(profile)
	if err != nil {
		return "", fmt.Errorf("file store: %w", err)
	}
	return filepath.Join(s.Dir, SecretsDirName, enc+".json"), nil
}

// Get implements Store. A missing, unreadable-as-JSON, truncated or foreign
// file reads as absent; a symbolic link (file or secrets directory) is
// refused.
func (s *FileStore) Get(ctx context.Context, profile string) (*Bundle, error) {
	data, err := s.read(ctx, profile)
	if data == nil || err != nil {
		return nil, err
	}
	return decodeFile(data, profile), nil
}

// read returns the content of profile's file, nil when there is none.
func (s *FileStore) read(ctx context.Context, profile string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	path, err := s.Path(profile)
	if err != nil {
		return nil, err
	}
	data, err := readPrivateFile(path)
	if err != nil {
		return nil, fmt.Errorf("file store: read profile %q: %w", profile, err)
	}
	return data, nil
}

// GetServed implements Store: the served part of the file, decoded
// without the IdP tokens and the ledger (decodeServed), which are only
// checked for JSON syntax. So, as with the keyring store's sealed part, an
// IdP part that Get cannot decode does not hide cached sessions.
func (s *FileStore) GetServed(ctx context.Context, profile string) (*Served, error) {
	data, err := s.read(ctx, profile)
	if data == nil || err != nil {
		return nil, err
	}
	return decodeServed(data, profile), nil
}

// decodeFile parses a file's content, returning nil for anything that is
// not a whole envelope for profile.
func decodeFile(data []byte, profile string) *Bundle {
	if len(data) > maxFileSize {
		return nil
	}
	var env fileEnvelope
	if err := json.Unmarshal(data, &env); err != nil {
		return nil
	}
	if env.Version != fileVersion || env.Profile != profile || env.Bundle == nil {
		return nil
	}
	return env.Bundle
}

// Put implements Store: it writes a temporary file in the same directory,
// syncs it and renames it over the old one, so readers see the old or the
// new bundle, never a mix.
func (s *FileStore) Put(ctx context.Context, profile string, b *Bundle) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if b == nil {
		return errors.New("file store: nil bundle")
	}
	path, err := s.Path(profile)
	if err != nil {
		return err
	}
	data, err := json.Marshal(fileEnvelope{Version: fileVersion, Profile: profile, Bundle: b})
	if err != nil {
		return fmt.Errorf("file store: encode profile %q: %w", profile, err)
	}
	if err := writePrivateFile(path, data); err != nil {
		return fmt.Errorf("file store: write profile %q: %w", profile, err)
	}
	return nil
}

// Delete implements Store. Deleting an absent profile is not an error.
func (s *FileStore) Delete(ctx context.Context, profile string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	path, err := s.Path(profile)
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("file store: delete profile %q: %w", profile, err)
	}
	return nil
}

// encodeProfile turns a profile name (user input) into a string safe as a
// file name and as a keyring item name: lower-case ASCII letters, digits,
// '-', '_' and a non-leading '.' pass through; every other byte, including
// upper-case letters (case-insensitive file systems and Windows credential
// names), becomes %XX. The encoding is injective and never yields '/', '\\',
// '#', "." or "..". Windows device names (con, nul, com1, …) get their first
// byte escaped.
func encodeProfile(profile string) (string, error) {
	if profile == "" {
		return "", errors.New("empty profile name")
	}
	var sb strings.Builder
	for i := 0; i < len(profile); i++ {
		c := profile[i]
		if isPlainByte(c) && (c != '.' || i > 0) {
			sb.WriteByte(c)
			continue
		}
		fmt.Fprintf(&sb, "%%%02X", c)
	}
	enc := sb.String()
	if isWindowsDeviceName(enc) {
		enc = fmt.Sprintf("%%%02X", enc[0]) + enc[1:]
	}
	if len(enc) > maxEncodedProfile {
		return "", fmt.Errorf("profile name too long (%d bytes)", len(profile))
	}
	return enc, nil
}

func isPlainByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
}

// isWindowsDeviceName reports whether name, before any extension, is one
// of the reserved Windows device names.
func isWindowsDeviceName(name string) bool {
	base, _, _ := strings.Cut(name, ".")
	switch base {
	case "con", "prn", "aux", "nul":
		return true
	}
	if len(base) == 4 && (strings.HasPrefix(base, "com") || strings.HasPrefix(base, "lpt")) {
		return base[3] >= '0' && base[3] <= '9'
	}
	return false
}
