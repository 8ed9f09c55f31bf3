package store

import (
	"context"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// keyPrefix starts every key item, so a foreign or v1 value under the key's
// name is never mistaken for a key.
const keyPrefix = "tip-cli-key-v2:"

// keyLockTimeout bounds the wait for the key lock, held only while a key is
// created, a v1 bundle migrated or a profile deleted.
const keyLockTimeout = 30 * time.Second

// KeyringStore is format 2 of the keyring store: envelope encryption.
//
// The OS keyring holds one item per profile and config directory,
// "<profile>#key@<directory id>" (see keyItem): a random 256-bit key (about
// 60 bytes, whatever is cached). The bundle is sealed
// with it (AES-256-GCM, see seal.go) in <Dir>/secrets/<profile>.sealed
// (0600, replaced atomically), as two sections: the served part (sessions,
// grants) and the rest (the IdP tokens). So the warm path (GetServed) is
// one key read (from the Cache when it has the key, else the keyring), one
// file read and one decryption, and never decrypts a refresh token; the
// disk holds only ciphertext.
//
// A profile with no key but a format-1 bundle in the keyring (inline or
// chunked) is migrated on first read: sealed into a file under a new key,
// then its v1 items are deleted. A format-2 key item ("<profile>#key",
// shared by every config directory) is moved to the scoped name on first
// use when it opens this directory's file (keyring_scope.go). Key creation, migration and Delete hold
// the profile's key lock (<Dir>/locks/<profile>#key.lock), never the
// profile lock callers hold, so there is no lock-order cycle.
type KeyringStore struct {
	// Dir is the config directory ($AWS_TIP_CLI).
	Dir string
	// Service is the keyring service name (KeyringService).
	Service string

	// Cache, when set, is consulted before the OS keyring for the scoped
	// key items (KernelKeyCache on Linux; see keycache.go).
	Cache KeyCache

	// CallTimeout bounds each OS keyring call (0: defaultKeyringTimeout).
	// A Secret Service whose D-Bus socket accepts and never answers would
	// otherwise hang every command, credential_process included.
	CallTimeout time.Duration

	kr Keyring // nil: no OS keyring in this process (ErrNoOSKeyring)
	n  counters
}

// NewKeyringStore returns a KeyringStore sealing files under dir with keys
// in kr (oskeyring.New() normally; nil in a process that reads keys only
// from its Cache).
func NewKeyringStore(dir string, kr Keyring) *KeyringStore {
	return &KeyringStore{Dir: dir, Service: KeyringService, kr: kr}
}

// Name implements Store.
func (s *KeyringStore) Name() string { return "keyring" }

// Stats returns what the store did so far in this process.
func (s *KeyringStore) Stats() Stats { return s.n.snapshot() }

// Get implements Store: the whole bundle (two decryptions), for the
// refresh path.
//
// It reads the key from the OS keyring, never the cache (and refreshes the
// cache entry): the refresh path and a sign-in go on only while the keyring
// itself answers, so a keyring locked since the cache was filled stops a
// refresh before any refresh token is sent, and a sign-in before the
// browser opens. The warm path (GetServed) is what the cache is for.
func (s *KeyringStore) Get(ctx context.Context, profile string) (*Bundle, error) {
	aead, f, migrated, _, err := s.load(ctx, profile, true)
	if err != nil || f == nil {
		return migrated, err
	}
	s.n.decryptions.Add(2)
	return openBundle(aead, f), nil
}

// GetServed implements Store: the warm path's one keyring read, one file
// read and one decryption.
func (s *KeyringStore) GetServed(ctx context.Context, profile string) (*Served, error) {
	for _, uncached := range []bool{false, true} {
		aead, f, migrated, cached, err := s.load(ctx, profile, uncached)
		if err != nil || f == nil {
			return migrated.ServedPart(), err
		}
		s.n.decryptions.Add(1)
		if sv := openServed(aead, f); sv != nil || !cached {
			return sv, nil
		}
		if err := s.staleCache(profile); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// staleCache handles a cached key that does not open the profile's file
// (replaced since, or the file tampered with): the entry is dropped and
// the OS keyring read instead; without an OS keyring (the lean binary)
// the call is handed on (ErrNoOSKeyring).
func (s *KeyringStore) staleCache(profile string) error {
	if s.kr == nil {
		return ErrNoOSKeyring
	}
	return s.ForgetCachedKey(profile)
}

// load returns profile's sealed file and its key's AEAD. With no key yet
// it migrates a format-2 key or a v1 bundle, if there is one, and returns
// the bundle as migrated (f nil). Nothing stored reads as all nil.
//
// The key comes from the cache when it has it (cached=true), unless
// uncached: then from the OS keyring, refreshing the cache entry.
func (s *KeyringStore) load(ctx context.Context, profile string, uncached bool) (aead cipher.AEAD, f *sealedFile,
	migrated *Bundle, cached bool, err error) {
	enc, path, err := s.paths(profile)
	if err != nil {
		return nil, nil, nil, false, err
	}
	item, err := s.keyItem(enc)
	if err != nil {
		return nil, nil, nil, false, err
	}
	var key []byte
	if uncached {
		if key, err = s.readKey(ctx, item); key != nil {
			s.remember(item, key)
		}
	} else {
		key, cached, err = s.readScopedKey(ctx, item)
	}
	if err != nil {
		return nil, nil, nil, false, err
	}
	if key != nil {
		aead, f, _, err := s.loadWith(key, path, profile, false)
		return aead, f, nil, cached, err
	}
	if key, b, err := s.migrateUnscoped(ctx, profile, enc); err != nil || key != nil {
		return nil, nil, b, false, err
	}
	b, err := s.migrate(ctx, profile, enc)
	return nil, nil, b, false, err
}

// loadWith reads the sealed file at path for a key that exists; v2 accepts
// a version-2 file (under a format-2 key only).
func (s *KeyringStore) loadWith(key []byte, path, profile string, v2 bool) (cipher.AEAD, *sealedFile, *Bundle, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("keyring store: %w", err)
	}
	s.n.fileReads.Add(1)
	data, err := readPrivateFile(path)
	if err != nil || data == nil {
		return nil, nil, nil, err
	}
	return aead, parseSealed(data, profile, v2), nil, nil
}

// migrate moves a v1 keyring bundle of profile into format 2 and returns
// it; nil when there is none. The v1 manifest is looked up without the
// lock (a never-signed-in profile costs one more read); the rest runs
// under the key lock, re-checking that no other process migrated first.
func (s *KeyringStore) migrate(ctx context.Context, profile, enc string) (*Bundle, error) {
	if m, err := s.readManifest(ctx, enc); err != nil || m == nil {
		return nil, err
	}
	var out *Bundle
	err := s.withKeyLock(ctx, enc, func() error {
		key, b, err := s.scopedUnderLock(ctx, profile, enc)
		if err != nil || key != nil { // migrated by another process meanwhile
			out = b
			return err
		}
		m, err := s.readManifest(ctx, enc)
		if err != nil || m == nil {
			return err
		}
		b, err = s.readLegacy(ctx, enc, m)
		if err != nil || b == nil {
			return err
		}
		if err := s.create(ctx, profile, enc, b); err != nil {
			return fmt.Errorf("migrate keyring bundle of profile %q: %w", profile, err)
		}
		out = b
		return nil
	})
	return out, err
}

// Put implements Store: seal b with the profile's key and replace the file
// atomically. The first Put of a profile creates the key.
func (s *KeyringStore) Put(ctx context.Context, profile string, b *Bundle) error {
	if b == nil {
		return errors.New("keyring store: nil bundle")
	}
	enc, path, err := s.paths(profile)
	if err != nil {
		return err
	}
	item, err := s.keyItem(enc)
	if err != nil {
		return err
	}
	// A write reads the key from the OS keyring, never the cache: sealing
	// under a cached key the keyring no longer holds would lose the bundle
	// when the entry expires. So every write (a sign-in, a refresh) also
	// refreshes the entry.
	key, err := s.readKey(ctx, item)
	if err != nil {
		return err
	}
	if key != nil {
		s.remember(item, key)
		return s.write(key, path, profile, b)
	}
	return s.withKeyLock(ctx, enc, func() error {
		key, _, err := s.scopedUnderLock(ctx, profile, enc)
		if err != nil {
			return err
		}
		if key == nil {
			if key, _, err = s.takeUnscoped(ctx, profile, enc); err != nil {
				return err
			}
		}
		if key != nil {
			return s.write(key, path, profile, b)
		}
		return s.create(ctx, profile, enc, b)
	})
}

// create seals b under a new key, writes the file, then stores the key:
// the key item is the commit point, so a crash before it leaves the old
// state (no key) readable. Any v1 items are then obsolete and deleted.
// The caller holds the key lock.
func (s *KeyringStore) create(ctx context.Context, profile, enc string, b *Bundle) error {
	key := make([]byte, keySize)
	_, _ = rand.Read(key) // crypto/rand.Read never fails (Go 1.24+)
	_, path, _ := s.paths(profile)
	if err := s.write(key, path, profile, b); err != nil {
		return err
	}
	item, err := s.keyItem(enc)
	if err != nil {
		return err
	}
	s.forget(item) // a stale entry of a key deleted before
	if err := s.set(ctx, item, encodeKey(key)); err != nil {
		return err
	}
	s.remember(item, key)
	m, err := s.readManifest(ctx, enc)
	if err != nil || m == nil {
		return nil // best effort: a v1 leftover is never read once the key exists
	}
	_ = s.deleteLegacy(ctx, enc, m)
	return nil
}

// write seals b with key into path.
func (s *KeyringStore) write(key []byte, path, profile string, b *Bundle) error {
	aead, err := newAEAD(key)
	if err != nil {
		return fmt.Errorf("keyring store: %w", err)
	}
	data, err := sealBundle(aead, profile, b)
	if err != nil {
		return fmt.Errorf("keyring store: profile %q: %w", profile, err)
	}
	if err := writePrivateFile(path, data); err != nil {
		return fmt.Errorf("keyring store: write profile %q: %w", profile, err)
	}
	markKeyringUsed(s.Dir)
	return nil
}

// Delete implements Store: the v1 items and this directory's format-2 key
// (so nothing is migrated back), the sealed file, then the key. Deleting
// an absent profile is not an error. A format-2 key that does not open
// this directory's file is another directory's and stays.
func (s *KeyringStore) Delete(ctx context.Context, profile string) error {
	enc, path, err := s.paths(profile)
	if err != nil {
		return err
	}
	item, err := s.keyItem(enc)
	if err != nil {
		return err
	}
	return s.withKeyLock(ctx, enc, func() error {
		if _, _, err := s.takeUnscoped(ctx, profile, enc); err != nil {
			return err
		}
		m, err := s.readManifest(ctx, enc)
		if err != nil {
			return err
		}
		if err := s.deleteLegacy(ctx, enc, m); err != nil {
			return err
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("keyring store: delete profile %q: %w", profile, err)
		}
		s.forget(item)
		err = s.del(ctx, item)
		s.forget(item) // filled meanwhile by a reader of the old item
		return err
	})
}

// readKey returns the key in keyring item name, or nil when there is none
// (a malformed item counts as none: what it sealed cannot be opened
// anyway).
func (s *KeyringStore) readKey(ctx context.Context, name string) ([]byte, error) {
	raw, found, err := s.get(ctx, name)
	if err != nil || !found {
		return nil, err
	}
	return decodeKey(raw), nil
}

// paths returns the encoded profile name and the sealed file's path.
func (s *KeyringStore) paths(profile string) (enc, path string, err error) {
	if s.Dir == "" {
		return "", "", errors.New("keyring store: no config directory")
	}
	enc, err = encodeProfile(profile)
	if err != nil {
		return "", "", fmt.Errorf("keyring store: %w", err)
	}
	return enc, filepath.Join(s.Dir, SecretsDirName, enc+".sealed"), nil
}

// withKeyLock runs fn holding the profile's key lock.
func (s *KeyringStore) withKeyLock(ctx context.Context, enc string, fn func() error) error {
	unlock, err := lockFile(ctx, filepath.Join(s.Dir, LocksDirName), legacyKeyName(enc)+".lock", keyLockTimeout)
	if err != nil {
		return fmt.Errorf("keyring store: %w", err)
	}
	defer unlock()
	return fn()
}
