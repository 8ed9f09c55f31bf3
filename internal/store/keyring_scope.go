package store

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"path/filepath"
)

// Keyring item names are scoped to the config directory (issue #22): the
// OS keyring is one per user, while every config directory ($AWS_TIP_CLI)
// has its own profiles, so "<profile>#key" alone let `AWS_TIP_CLI=B
// tip-cli auth logout` delete directory A's key. A key item is now
// "<profile>#key@<directory id>", the id being the first 16 hex digits of
// the SHA-256 of the directory's absolute path with symbolic links
// resolved (so a link to the directory, or the directory before it
// exists, names the same item). A directory that is moved or renamed is a
// new directory: its profiles ask for a sign-in.
//
// Encoded profile names never contain '#' or '@', and v1 chunk names are
// "<enc>#<n>#<n>", so no two kinds of item collide.

// keyItem returns the keyring item name of the key of encoded profile enc
// in s's config directory.
func (s *KeyringStore) keyItem(enc string) (string, error) {
	id, err := dirID(s.Dir)
	if err != nil {
		return "", fmt.Errorf("keyring store: %w", err)
	}
	return enc + "#key@" + id, nil
}

// legacyKeyName is format 2's item name of a profile's key, the same for
// every config directory. It is read only to migrate, and still names the
// key lock file.
func legacyKeyName(enc string) string { return enc + "#key" }

// encodeKey is a key as its keyring item holds it.
func encodeKey(key []byte) string { return keyPrefix + base64.RawURLEncoding.EncodeToString(key) }

func base64Decode(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

// dirID returns the id of config directory dir (see above).
func dirID(dir string) (string, error) {
	p, err := resolvePath(dir)
	if err != nil {
		return "", fmt.Errorf("config directory %q: %w", dir, err)
	}
	sum := sha256.Sum256([]byte(p))
	return hex.EncodeToString(sum[:8]), nil
}

// resolvePath returns dir made absolute, with symbolic links resolved in
// its longest existing prefix and the rest (not created yet) appended, so
// the result does not change when the rest is created.
func resolvePath(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	rest := ""
	for p := abs; ; {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(r, rest), nil
		}
		parent := filepath.Dir(p)
		if parent == p {
			return abs, nil
		}
		rest = filepath.Join(filepath.Base(p), rest)
		p = parent
	}
}

// scopedUnderLock reads the scoped key from the OS keyring (a write path:
// never from the cache) and, when it exists, the whole bundle it seals
// (nil if the file is absent or does not open). The caller holds the key
// lock.
func (s *KeyringStore) scopedUnderLock(ctx context.Context, profile, enc string) ([]byte, *Bundle, error) {
	item, err := s.keyItem(enc)
	if err != nil {
		return nil, nil, err
	}
	key, err := s.readKey(ctx, item)
	if err != nil || key == nil {
		return nil, nil, err
	}
	s.remember(item, key)
	_, path, _ := s.paths(profile)
	aead, f, _, err := s.loadWith(key, path, profile, false)
	if f == nil {
		return key, nil, err
	}
	return key, openBundle(aead, f), err
}

// migrateUnscoped moves a format-2 key of profile to its scoped name when
// the key opens this directory's file, returning the key (nil when there
// is none to move) and the bundle. The format-2 item is looked up without
// the lock (a never-signed-in profile costs one more read).
func (s *KeyringStore) migrateUnscoped(ctx context.Context, profile, enc string) ([]byte, *Bundle, error) {
	if key, err := s.readKey(ctx, legacyKeyName(enc)); err != nil || key == nil {
		return nil, nil, err
	}
	var key []byte
	var b *Bundle
	err := s.withKeyLock(ctx, enc, func() error {
		var err error
		if key, b, err = s.scopedUnderLock(ctx, profile, enc); err != nil || key != nil {
			return err // migrated by another process meanwhile
		}
		key, b, err = s.takeUnscoped(ctx, profile, enc)
		return err
	})
	return key, b, err
}

// takeUnscoped is migrateUnscoped's work under the key lock. The key opens
// this directory's file (version 2 or 3) or stays where it is: another
// directory's key under the same profile name is not ours to move. The
// file is rewritten as version 3 first, so a crash before the scoped item
// is written leaves a file the format-2 key still opens; only then is the
// scoped item written and the format-2 one deleted. A version-2 file is
// never read again once the scoped item exists.
func (s *KeyringStore) takeUnscoped(ctx context.Context, profile, enc string) ([]byte, *Bundle, error) {
	legacy := legacyKeyName(enc)
	key, err := s.readKey(ctx, legacy)
	if err != nil || key == nil {
		return nil, nil, err
	}
	_, path, _ := s.paths(profile)
	aead, f, _, err := s.loadWith(key, path, profile, true)
	if err != nil || f == nil {
		return nil, nil, err
	}
	b := openBundle(aead, f)
	if b == nil {
		return nil, nil, nil
	}
	if err := s.write(key, path, profile, b); err != nil {
		return nil, nil, fmt.Errorf("migrate keyring key of profile %q: %w", profile, err)
	}
	item, err := s.keyItem(enc)
	if err != nil {
		return nil, nil, err
	}
	if err := s.set(ctx, item, encodeKey(key)); err != nil {
		return nil, nil, err
	}
	s.remember(item, key)
	if err := s.del(ctx, legacy); err != nil {
		return nil, nil, err
	}
	return key, b, nil
}
