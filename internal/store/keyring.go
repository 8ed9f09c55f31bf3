package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/zalando/go-keyring"
)

// KeyringService is the service name of every keyring item tip-cli writes.
const KeyringService = "tip-cli"

// minChunkLimit is the smallest accepted KeyringStore.ChunkLimit: a chunked
// manifest (about 300 bytes with the longest profile name) must fit.
const minChunkLimit = 512

// Per-platform item payload limits (bytes of the string handed to
// go-keyring). See DefaultChunkLimit.
const (
	chunkLimitWindows = 2048
	chunkLimitDarwin  = 2560
	chunkLimitUnix    = 64 << 10
)

// DefaultChunkLimit returns the largest item payload KeyringStore writes on
// goos:
//
//   - windows: 2048. Credential Manager blobs are capped at 2560 bytes and
//     go-keyring rejects anything longer; 2048 leaves a margin.
//   - darwin: 2560. go-keyring feeds `security -i` one command line of at
//     most 4096 bytes holding the service, the account and the password
//     base64-encoded behind an 18-byte prefix: 2560 bytes become 3434, which
//     leaves about 600 bytes for the rest (account names are at most ~230).
//     ~4000 would be rejected with ErrSetDataTooBig.
//   - others (Secret Service): 64 KiB, so real bundles are one item; the
//     protocol has no small limit but large items get slow.
func DefaultChunkLimit(goos string) int {
	switch goos {
	case "windows":
		return chunkLimitWindows
	case "darwin":
		return chunkLimitDarwin
	default:
		return chunkLimitUnix
	}
}

// keyringAPI is the part of go-keyring the store uses; tests inject fakes.
type keyringAPI interface {
	Get(service, user string) (string, error)
	Set(service, user, password string) error
	Delete(service, user string) error
}

// goKeyring is the real keyringAPI: the OS keyring through go-keyring.
type goKeyring struct{}

func (goKeyring) Get(service, user string) (string, error) { return keyring.Get(service, user) }
func (goKeyring) Set(service, user, password string) error {
	return keyring.Set(service, user, password)
}
func (goKeyring) Delete(service, user string) error { return keyring.Delete(service, user) }

// KeyringStore keeps each profile's bundle in the OS keyring.
//
// Layout: the item named after the (encoded) profile is a manifest. A bundle
// that fits in ChunkLimit is stored inline in it, so reading it is one
// keyring access. A larger one is cut into chunk items
// "<profile>#<generation>#<i>" and the manifest records the generation,
// chunk count, size and SHA-256. Put writes the new generation's chunks,
// then the manifest, then deletes the old generation's chunks, so a crash at
// any point leaves the old or the new bundle readable. Get verifies size and
// checksum and reads any torn state as absent.
type KeyringStore struct {
	// Service is the keyring service name (KeyringService).
	Service string
	// ChunkLimit is the largest item payload written, in bytes (at least
	// 512). NewKeyringStore sets DefaultChunkLimit.
	ChunkLimit int

	api keyringAPI
}

// NewKeyringStore returns a KeyringStore on the OS keyring with goos's
// chunk limit.
func NewKeyringStore(goos string) *KeyringStore {
	return &KeyringStore{Service: KeyringService, ChunkLimit: DefaultChunkLimit(goos), api: goKeyring{}}
}

// Name implements Store.
func (s *KeyringStore) Name() string { return "keyring" }

// Get implements Store. A small bundle costs one keyring read; a chunked
// one costs 1 + chunks reads.
func (s *KeyringStore) Get(ctx context.Context, profile string) (*Bundle, error) {
	enc, err := encodeProfile(profile)
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	m, err := s.readManifest(ctx, enc)
	if err != nil || m == nil {
		return nil, err
	}
	b, err := s.readBundle(ctx, enc, m)
	if err != nil || b != nil {
		return b, err
	}
	// Torn read: a concurrent Put may have moved to a new generation and
	// removed the chunks we were reading. Retry once if it did.
	m2, err := s.readManifest(ctx, enc)
	if err != nil || m2 == nil || m2.Gen == m.Gen {
		return nil, err
	}
	return s.readBundle(ctx, enc, m2)
}

// readManifest reads and parses the manifest item; nil, nil when it is
// absent or malformed.
func (s *KeyringStore) readManifest(ctx context.Context, enc string) (*manifest, error) {
	raw, found, err := s.get(ctx, enc)
	if err != nil || !found {
		return nil, err
	}
	return parseManifest(raw, enc), nil
}

// readBundle returns m's bundle, or nil if any chunk is missing or the
// result does not match the manifest.
func (s *KeyringStore) readBundle(ctx context.Context, enc string, m *manifest) (*Bundle, error) {
	if m.Chunks == 0 {
		return m.decodeInline(), nil
	}
	chunks := make([]string, 0, m.Chunks)
	size := 0
	for i := range m.Chunks {
		c, found, err := s.get(ctx, chunkName(enc, m.Gen, i))
		if err != nil || !found {
			return nil, err
		}
		size += len(c)
		if size > m.Size {
			return nil, nil
		}
		chunks = append(chunks, c)
	}
	return m.assemble(chunks), nil
}

// Put implements Store.
func (s *KeyringStore) Put(ctx context.Context, profile string, b *Bundle) error {
	if b == nil {
		return errors.New("keyring: nil bundle")
	}
	if s.ChunkLimit < minChunkLimit {
		return fmt.Errorf("keyring: chunk limit %d is below %d", s.ChunkLimit, minChunkLimit)
	}
	enc, err := encodeProfile(profile)
	if err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	payload, err := encodeBundle(b)
	if err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	old, err := s.readManifest(ctx, enc)
	if err != nil {
		return err
	}
	gen := uint64(1)
	if old != nil {
		gen = old.Gen + 1
	}
	item, err := s.writeItems(ctx, enc, gen, payload)
	if err != nil {
		return err
	}
	if err := s.set(ctx, enc, item); err != nil {
		return err
	}
	if old != nil && old.Chunks > 0 {
		// Best effort: the new bundle is committed; leftovers are
		// unreachable and swept by Delete.
		_ = s.deleteChunks(ctx, enc, old.Gen, old.Chunks)
	}
	return nil
}

// writeItems returns the manifest item for payload, writing chunk items of
// generation gen first when the payload does not fit inline.
func (s *KeyringStore) writeItems(ctx context.Context, enc string, gen uint64, payload string) (string, error) {
	m := &manifest{Version: manifestVersion, Profile: enc, Gen: gen, Inline: json.RawMessage(payload)}
	item, err := encodeManifest(m)
	if err != nil {
		return "", fmt.Errorf("keyring: %w", err)
	}
	if len(item) <= s.ChunkLimit {
		return item, nil
	}
	chunks := splitPayload(payload, s.ChunkLimit)
	if len(chunks) > maxChunks {
		return "", fmt.Errorf("keyring: bundle too large (%d bytes)", len(payload))
	}
	for i, c := range chunks {
		if err := s.set(ctx, chunkName(enc, gen, i), c); err != nil {
			return "", err
		}
	}
	m = &manifest{Version: manifestVersion, Profile: enc, Gen: gen,
		Chunks: len(chunks), Size: len(payload), SHA256: checksum(payload)}
	return encodeManifest(m)
}

// Delete implements Store: it removes the chunks of the current generation
// and any leftovers of the neighbouring ones (from a crash mid-Put), then
// the manifest. Deleting an absent profile is not an error.
func (s *KeyringStore) Delete(ctx context.Context, profile string) error {
	enc, err := encodeProfile(profile)
	if err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	m, err := s.readManifest(ctx, enc)
	if err != nil {
		return err
	}
	if m != nil {
		if err := s.deleteChunks(ctx, enc, m.Gen, m.Chunks); err != nil {
			return err
		}
		if err := s.deleteChunks(ctx, enc, m.Gen+1, 0); err != nil {
			return err
		}
		if m.Gen > 1 {
			if err := s.deleteChunks(ctx, enc, m.Gen-1, 0); err != nil {
				return err
			}
		}
	}
	return s.del(ctx, enc)
}

// deleteChunks deletes chunks 0..n-1 of generation gen (missing ones are
// fine), then any further ones until the first missing.
func (s *KeyringStore) deleteChunks(ctx context.Context, enc string, gen uint64, n int) error {
	for i := 0; i < maxChunks; i++ {
		err := s.rawDelete(ctx, chunkName(enc, gen, i))
		if errors.Is(err, keyring.ErrNotFound) {
			if i >= n {
				return nil
			}
			continue
		}
		if err != nil {
			return &backendError{op: "delete", err: err}
		}
	}
	return nil
}

// get reads one item; found is false when the keyring has no such item.
func (s *KeyringStore) get(ctx context.Context, user string) (string, bool, error) {
	val, err := run(ctx, func() (string, error) { return s.api.Get(s.Service, user) })
	if errors.Is(err, keyring.ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, &backendError{op: "read", err: err}
	}
	return val, true, nil
}

// set writes one item.
func (s *KeyringStore) set(ctx context.Context, user, val string) error {
	_, err := run(ctx, func() (struct{}, error) { return struct{}{}, s.api.Set(s.Service, user, val) })
	if err != nil {
		return &backendError{op: "write", err: err}
	}
	return nil
}

// del deletes one item; a missing item is not an error.
func (s *KeyringStore) del(ctx context.Context, user string) error {
	err := s.rawDelete(ctx, user)
	if err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return &backendError{op: "delete", err: err}
	}
	return nil
}

// rawDelete deletes one item, returning the backend's error unwrapped.
func (s *KeyringStore) rawDelete(ctx context.Context, user string) error {
	_, err := run(ctx, func() (struct{}, error) { return struct{}{}, s.api.Delete(s.Service, user) })
	return err
}

// backendError is an error reported by the keyring itself (as opposed to a
// bad profile name or an oversized bundle); the automatic backend falls back
// to files only on these.
type backendError struct {
	op  string
	err error
}

func (e *backendError) Error() string { return "keyring: " + e.op + ": " + e.err.Error() }
func (e *backendError) Unwrap() error { return e.err }

// run calls fn, giving up when ctx ends: keyring calls take no context and
// may block on an unlock prompt. An abandoned call finishes in the
// background; its result is discarded.
func run[T any](ctx context.Context, fn func() (T, error)) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	if ctx.Done() == nil {
		return fn()
	}
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := fn()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}
