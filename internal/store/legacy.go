package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/tip-cli/tip-cli/internal/store/keyringerr"
)

// Format 1 of the keyring store kept the whole bundle in keyring items: a
// manifest under the encoded profile name holding the bundle inline, or
// pointing at generation-numbered chunks under the platform's item limit.
// Version 2 only reads it, once, to migrate (see KeyringStore.Get) and
// deletes it.

// manifestVersion is the version of the v1 keyring item layout.
const manifestVersion = 1

// maxChunks bounds how many chunk items a v1 manifest may name, so a
// corrupt manifest cannot trigger thousands of keyring accesses.
const maxChunks = 256

// manifest is the v1 keyring item stored under the (encoded) profile name.
// Either Inline holds the whole bundle, or Chunks items named
// chunkName(profile, Gen, i) hold Size bytes of bundle JSON whose SHA-256 is
// SHA256.
type manifest struct {
	Version int `json:"v"`
	// Profile is the encoded profile name (bounded, ASCII), checked on read.
	Profile string `json:"p"`
	// Gen increased with every v1 Put; chunk names carry it.
	Gen    uint64          `json:"g"`
	Inline json.RawMessage `json:"b,omitempty"`
	Chunks int             `json:"n,omitempty"`
	Size   int             `json:"len,omitempty"`
	SHA256 string          `json:"sha256,omitempty"`
}

// chunkName is the keyring user name of v1 chunk i of generation gen.
// Encoded profile names never contain '#', so chunk names cannot collide
// with another profile's items.
func chunkName(enc string, gen uint64, i int) string {
	return enc + "#" + strconv.FormatUint(gen, 10) + "#" + strconv.Itoa(i)
}

// parseManifest decodes a v1 manifest item, returning nil for anything that
// is not a well-formed manifest for the encoded profile enc.
func parseManifest(raw, enc string) *manifest {
	var m manifest
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return nil
	}
	if m.Version != manifestVersion || m.Profile != enc {
		return nil
	}
	inline := len(m.Inline) > 0
	chunked := m.Chunks > 0
	if inline == chunked {
		return nil
	}
	if chunked && (m.Chunks > maxChunks || m.Size <= 0 || len(m.SHA256) != sha256.Size*2) {
		return nil
	}
	return &m
}

// decodeInline returns the inline bundle, or nil if it does not decode.
func (m *manifest) decodeInline() *Bundle {
	var b *Bundle
	if err := json.Unmarshal(m.Inline, &b); err != nil {
		return nil
	}
	return b
}

// assemble joins chunk payloads and returns the bundle they encode, or nil
// if the size or checksum does not match the manifest or the JSON does not
// decode.
func (m *manifest) assemble(chunks []string) *Bundle {
	joined := strings.Join(chunks, "")
	if len(joined) != m.Size || checksum(joined) != m.SHA256 {
		return nil
	}
	var b *Bundle
	if err := json.Unmarshal([]byte(joined), &b); err != nil {
		return nil
	}
	return b
}

// checksum returns the hex SHA-256 of s.
func checksum(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// readManifest reads and parses the v1 manifest item; nil, nil when it is
// absent or malformed.
func (s *KeyringStore) readManifest(ctx context.Context, enc string) (*manifest, error) {
	raw, found, err := s.get(ctx, enc)
	if err != nil || !found {
		return nil, err
	}
	return parseManifest(raw, enc), nil
}

// readLegacy returns the v1 bundle of m, or nil if any chunk is missing or
// the result does not match the manifest (a torn v1 write reads as absent).
func (s *KeyringStore) readLegacy(ctx context.Context, enc string, m *manifest) (*Bundle, error) {
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

// deleteLegacy removes the v1 items of enc: the chunks of m's generation
// and any leftovers of the neighbouring ones (from a crash mid-write),
// then the manifest.
func (s *KeyringStore) deleteLegacy(ctx context.Context, enc string, m *manifest) error {
	if m != nil {
		for _, g := range []struct {
			gen uint64
			n   int
		}{{m.Gen, m.Chunks}, {m.Gen + 1, 0}, {m.Gen - 1, 0}} {
			if g.gen == 0 {
				continue
			}
			if err := s.deleteChunks(ctx, enc, g.gen, g.n); err != nil {
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
		if errors.Is(err, keyringerr.ErrNotFound) {
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
