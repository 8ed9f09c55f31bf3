package store

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/json"
	"fmt"
	"strconv"
)

// sealedFormat and sealedVersion name the format of the keyring store's
// files. Both are part of every section's additional data, so a section
// cannot be replayed under another version, profile or section name.
const (
	sealedFormat  = "tip-cli sealed bundle"
	sealedVersion = 2
)

// Sections of a sealed file. The served section is all the warm path ever
// decrypts; the secret section holds the IdP tokens and everything else
// that is not served.
const (
	sectionServed = "served"
	sectionSecret = "secret"
)

// keySize is the length of a profile's store key: AES-256.
const keySize = 32

// sealedFile is what <dir>/secrets/<profile>.sealed holds. Served and
// Secret are each nonce || AES-256-GCM ciphertext (base64 in the JSON).
type sealedFile struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	Profile string `json:"profile"`
	Served  []byte `json:"served"`
	Secret  []byte `json:"secret"`
}

// additionalData binds a section to the format version, the section name
// and the profile (NUL-separated: a profile name cannot contain NUL in a
// way that shifts the fields, as the profile comes last).
func additionalData(profile, section string) []byte {
	return []byte(sealedFormat + "\x00v" + strconv.Itoa(sealedVersion) + "\x00" + section + "\x00" + profile)
}

// newAEAD returns AES-256-GCM with a random 96-bit nonce per Seal, prepended
// to the ciphertext (at most 2^32 seals per key are safe; a profile's key
// seals twice per refresh).
func newAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != keySize {
		return nil, fmt.Errorf("store key is %d bytes, want %d", len(key), keySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCMWithRandomNonce(block)
}

// sealBundle encrypts b's served part and the rest of it as two sections
// of one file for profile.
func sealBundle(aead cipher.AEAD, profile string, b *Bundle) ([]byte, error) {
	served, err := sealSection(aead, profile, sectionServed, b.ServedPart())
	if err != nil {
		return nil, err
	}
	secret, err := sealSection(aead, profile, sectionSecret, b.withoutServed())
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(sealedFile{Format: sealedFormat, Version: sealedVersion, Profile: profile,
		Served: served, Secret: secret})
	if err != nil {
		return nil, fmt.Errorf("encode sealed file: %w", err)
	}
	return data, nil
}

func sealSection(aead cipher.AEAD, profile, section string, v any) ([]byte, error) {
	plain, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %s section: %w", section, err)
	}
	defer clear(plain)
	return aead.Seal(nil, nil, plain, additionalData(profile, section)), nil
}

// openSection decrypts one section into v; false when it does not
// authenticate (another key, another profile, tampering) or decode.
func openSection(aead cipher.AEAD, profile, section string, box []byte, v any) bool {
	if len(box) < aead.Overhead() {
		return false
	}
	plain, err := aead.Open(nil, nil, box, additionalData(profile, section))
	if err != nil {
		return false
	}
	defer clear(plain)
	return json.Unmarshal(plain, v) == nil
}

// parseSealed decodes a sealed file's envelope (untrusted input), returning
// nil for anything that is not a whole version-2 file for profile.
func parseSealed(data []byte, profile string) *sealedFile {
	if len(data) > maxFileSize {
		return nil
	}
	var f sealedFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil
	}
	if f.Format != sealedFormat || f.Version != sealedVersion || f.Profile != profile ||
		len(f.Served) == 0 || len(f.Secret) == 0 {
		return nil
	}
	return &f
}

// openServed returns the served part of f, or nil.
func openServed(aead cipher.AEAD, profile string, f *sealedFile) *Served {
	var s Served
	if !openSection(aead, profile, sectionServed, f.Served, &s) {
		return nil
	}
	return &s
}

// openBundle returns the whole bundle of f, or nil if either section does
// not open.
func openBundle(aead cipher.AEAD, profile string, f *sealedFile) *Bundle {
	s := openServed(aead, profile, f)
	if s == nil {
		return nil
	}
	var b Bundle
	if !openSection(aead, profile, sectionSecret, f.Secret, &b) {
		return nil
	}
	b.Sessions, b.Grants = s.Sessions, s.Grants
	return &b
}
