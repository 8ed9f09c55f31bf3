package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// manifestVersion is the version of the keyring item layout.
const manifestVersion = 1

// maxChunks bounds how many chunk items Get will read for one manifest, so a
// corrupt manifest cannot trigger thousands of keyring accesses.
const maxChunks = 256

// manifest is the keyring item stored under the (encoded) profile name.
// Either Inline holds the whole bundle, or Chunks items named
// chunkName(profile, Gen, i) hold Size bytes of bundle JSON whose SHA-256 is
// SHA256.
type manifest struct {
	Version int `json:"v"`
	// Profile is the encoded profile name (bounded, ASCII), checked on read.
	Profile string `json:"p"`
	// Gen increases with every Put; chunk names carry it, so a new
	// generation never overwrites the chunks the current manifest points at.
	Gen    uint64          `json:"g"`
	Inline json.RawMessage `json:"b,omitempty"`
	Chunks int             `json:"n,omitempty"`
	Size   int             `json:"len,omitempty"`
	SHA256 string          `json:"sha256,omitempty"`
}

// chunkName is the keyring user name of chunk i of generation gen. Encoded
// profile names never contain '#', so chunk names cannot collide with
// another profile's manifest or chunks.
func chunkName(enc string, gen uint64, i int) string {
	return enc + "#" + strconv.FormatUint(gen, 10) + "#" + strconv.Itoa(i)
}

// parseManifest decodes a manifest item, returning nil for anything that is
// not a well-formed manifest of this version for the encoded profile enc.
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
	if len(joined) != m.Size {
		return nil
	}
	if checksum(joined) != m.SHA256 {
		return nil
	}
	var b *Bundle
	if err := json.Unmarshal([]byte(joined), &b); err != nil {
		return nil
	}
	return b
}

// encodeBundle returns the bundle as ASCII-only JSON (non-ASCII runes are
// \u-escaped) so it can be cut at any byte and stored by every backend,
// including ones that re-encode or reject non-ASCII text.
func encodeBundle(b *Bundle) (string, error) {
	data, err := json.Marshal(b)
	if err != nil {
		return "", fmt.Errorf("encode bundle: %w", err)
	}
	return asciiJSON(data), nil
}

// encodeManifest returns m as ASCII-only JSON.
func encodeManifest(m *manifest) (string, error) {
	data, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("encode manifest: %w", err)
	}
	return asciiJSON(data), nil
}

// asciiJSON escapes every non-ASCII rune of a JSON document as \uXXXX
// (surrogate pairs above U+FFFF). Non-ASCII can only occur inside JSON
// strings, where the escape means the same thing.
func asciiJSON(data []byte) string {
	var sb strings.Builder
	sb.Grow(len(data))
	for len(data) > 0 {
		c := data[0]
		if c < utf8.RuneSelf {
			sb.WriteByte(c)
			data = data[1:]
			continue
		}
		r, size := utf8.DecodeRune(data)
		data = data[size:]
		if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
			fmt.Fprintf(&sb, `\u%04x\u%04x`, r1, r2)
			continue
		}
		fmt.Fprintf(&sb, `\u%04x`, r)
	}
	return sb.String()
}

// splitPayload cuts s into pieces of at most limit bytes.
func splitPayload(s string, limit int) []string {
	var out []string
	for len(s) > limit {
		out = append(out, s[:limit])
		s = s[limit:]
	}
	return append(out, s)
}

// checksum returns the hex SHA-256 of s.
func checksum(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
