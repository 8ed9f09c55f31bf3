package store

import (
	"context"
	"strings"
	"time"
)

// KeyCache is a per-login cache of profile keys in front of the OS keyring
// (issue #23): on Linux the kernel keyring (KernelKeyCache), so a warm
// call on a desktop makes no D-Bus round trip, and the lean binary, which
// links no D-Bus, can serve without tip-cli. The OS keyring stays the
// source of truth: entries expire after keyCacheTTL, are filled only from
// a successful OS keyring read or write, and are dropped when the key is
// deleted or replaced. Names are keyring item names, so they are per
// config directory and profile. Implementations are best effort: a failed
// Set or Delete is not an error (a stale entry only ever costs a read of
// the OS keyring, see KeyringStore.open).
type KeyCache interface {
	Get(name string) (value string, ok bool)
	Set(name, value string)
	Delete(name string)
}

// keyCacheTTL is how long a cached key lives: a keyring locked (or a key
// deleted by another tool) since is noticed at most this late.
const keyCacheTTL = 15 * time.Minute

// keyCacheDescription is the kernel keyring description of the cache entry
// for keyring item name.
func keyCacheDescription(name string) string { return KeyringService + ":" + name }

// readScopedKey returns the key in the scoped item name: from the cache
// when it holds a well-formed one (cached=true), else from the OS keyring,
// filling the cache.
func (s *KeyringStore) readScopedKey(ctx context.Context, name string) (key []byte, cached bool, err error) {
	if s.Cache != nil {
		if v, ok := s.Cache.Get(name); ok {
			if key := decodeKey(v); key != nil {
				s.n.cacheHits.Add(1)
				return key, true, nil
			}
		}
	}
	raw, found, err := s.get(ctx, name)
	if err != nil || !found {
		return nil, false, err
	}
	key = decodeKey(raw)
	if key != nil && s.Cache != nil {
		s.Cache.Set(name, raw)
	}
	return key, false, nil
}

// decodeKey parses a key item's value; nil when it is malformed.
func decodeKey(raw string) []byte {
	b64, ok := strings.CutPrefix(raw, keyPrefix)
	if !ok {
		return nil
	}
	key, err := base64Decode(b64)
	if err != nil || len(key) != keySize {
		return nil
	}
	return key
}

// forget drops name from the cache.
func (s *KeyringStore) forget(name string) {
	if s.Cache != nil {
		s.Cache.Delete(name)
	}
}

// remember caches the key just written under name.
func (s *KeyringStore) remember(name string, key []byte) {
	if s.Cache != nil {
		s.Cache.Set(name, encodeKey(key))
	}
}

// ForgetCachedKey drops profile's key from the cache, so the next read
// goes to the OS keyring (and fills the cache again).
func (s *KeyringStore) ForgetCachedKey(profile string) error {
	enc, _, err := s.paths(profile)
	if err != nil {
		return err
	}
	item, err := s.keyItem(enc)
	if err != nil {
		return err
	}
	s.forget(item)
	return nil
}
