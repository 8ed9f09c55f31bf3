package store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strconv"
)

// sealedFormat and sealedVersion name the format of the keyring store's
// files. Both are part of every section's additional data, so a section
// cannot be replayed under another version, profile or section name.
//
// Version 3 also binds the served section to the secret section it was
// written with (the SHA-256 of that section's sealed bytes is in the served
// section's additional data; every write seals both with fresh nonces), so
// an old served section spliced into a current file does not open, while
// the warm path still decrypts the served section alone (issue #22).
// Version 2 had no such binding: it is read only under a format-2 key item,
// to migrate (see keyring_scope.go).
const (
	sealedFormat    = "tip-cli sealed bundle"
	sealedVersion   = 3
	sealedVersionV2 = 2
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

// additionalData binds a section to the format version, the section name,
// from version 3 on for the served section the digest of the secret
// section's sealed bytes (fixed length), and the profile (NUL-separated: a
// profile name cannot contain NUL in a way that shifts the fields, as the
// profile comes last).
func additionalData(version int, profile, section string, secret []byte) []byte {
	ad := []byte(sealedFormat + "\x00v" + strconv.Itoa(version) + "\x00" + section + "\x00")
	if version >= 3 && section == sectionServed {
		sum := sha256.Sum256(secret)
		ad = append(append(ad, sum[:]...), 0)
	}
	return append(ad, profile...)
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

// sealBundle encrypts the rest of b, then b's served part bound to it, as
// two sections of one version-3 file for profile.
func sealBundle(aead cipher.AEAD, profile string, b *Bundle) ([]byte, error) {
	return sealBundleVersion(aead, sealedVersion, profile, b)
}

func sealBundleVersion(aead cipher.AEAD, version int, profile string, b *Bundle) ([]byte, error) {
	secret, err := sealSection(aead, version, profile, sectionSecret, b.withoutServed(), nil)
	if err != nil {
		return nil, err
	}
	served, err := sealSection(aead, version, profile, sectionServed, b.ServedPart(), secret)
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(sealedFile{Format: sealedFormat, Version: version, Profile: profile,
		Served: served, Secret: secret})
	if err != nil {
		return nil, fmt.Errorf("encode sealed file: %w", err)
	}
	return data, nil
}

// sealSection seals v as section; secret is the sealed secret section the
// served section is bound to (see additionalData).
func sealSection(aead cipher.AEAD, version int, profile, section string, v any, secret []byte) ([]byte, error) {
	plain, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %s section: %w", section, err)
	}
	defer clear(plain)
	return aead.Seal(nil, nil, plain, additionalData(version, profile, section, secret)), nil
}

// openSection decrypts one section of f and hands the plain text to
// decode (cleared after it returns); false when it does not authenticate
// (another key, another profile, another file's secret section,
// tampering) or decode.
func openSection(aead cipher.AEAD, f *sealedFile, section string, box []byte, decode func(plain []byte) bool) bool {
	if len(box) < aead.Overhead() {
		return false
	}
	plain, err := aead.Open(nil, nil, box, additionalData(f.Version, f.Profile, section, f.Secret))
	if err != nil {
		return false
	}
	defer clear(plain)
	return decode(plain)
}

// parseSealed decodes a sealed file's envelope (untrusted input), returning
// nil for anything that is not a whole file for profile: version 3, or
// version 2 as well when v2 is true (read under a format-2 key only).
func parseSealed(data []byte, profile string, v2 bool) *sealedFile {
	if len(data) > maxFileSize {
		return nil
	}
	f, ok := decodeSealed(data)
	if !ok {
		return nil
	}
	version := f.Version == sealedVersion || v2 && f.Version == sealedVersionV2
	if f.Format != sealedFormat || !version || f.Profile != profile ||
		len(f.Served) == 0 || len(f.Secret) == 0 {
		return nil
	}
	return &f
}

// openServed returns the served part of f, or nil.
func openServed(aead cipher.AEAD, f *sealedFile) *Served {
	var sv *Served
	openSection(aead, f, sectionServed, f.Served, func(plain []byte) bool {
		sv = decodeServedSection(plain)
		return sv != nil
	})
	return sv
}

// openBundle returns the whole bundle of f, or nil if either section does
// not open.
func openBundle(aead cipher.AEAD, f *sealedFile) *Bundle {
	s := openServed(aead, f)
	if s == nil {
		return nil
	}
	var b Bundle
	if !openSection(aead, f, sectionSecret, f.Secret, func(plain []byte) bool {
		return json.Unmarshal(plain, &b) == nil
	}) {
		return nil
	}
	b.Sessions, b.Grants = s.Sessions, s.Grants
	return &b
}
