package store

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/tip-cli/tip-cli/internal/cred"
	"github.com/tip-cli/tip-cli/internal/store/storetest"
)

// newTestKeyring returns a keyring store under a temporary config
// directory on the fake keyring kr.
func newTestKeyring(t testing.TB, kr *storetest.Keyring) *KeyringStore {
	t.Helper()
	return NewKeyringStore(t.TempDir(), kr)
}

// writeV1 stores b as format 1 did (the manifest inline when it fits in
// limit, else chunks of generation gen), for migration tests.
func writeV1(t testing.TB, kr Keyring, profile string, b *Bundle, limit int, gen uint64) {
	t.Helper()
	enc, err := encodeProfile(profile)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := encodeBundle(b)
	if err != nil {
		t.Fatal(err)
	}
	m := &manifest{Version: manifestVersion, Profile: enc, Gen: gen, Inline: json.RawMessage(payload)}
	item, _ := json.Marshal(m)
	if len(item) > limit {
		chunks := splitPayload(payload, limit)
		for i, c := range chunks {
			setItem(t, kr, chunkName(enc, gen, i), c)
		}
		m = &manifest{Version: manifestVersion, Profile: enc, Gen: gen, Chunks: len(chunks),
			Size: len(payload), SHA256: checksum(payload)}
		item, _ = json.Marshal(m)
	}
	setItem(t, kr, enc, string(item))
}

// setItem stores one item, bypassing the fake's counters and limit.
func setItem(t testing.TB, kr Keyring, user, v string) {
	t.Helper()
	if fake, ok := kr.(*storetest.Keyring); ok {
		fake.SetItem(KeyringService, user, v)
		return
	}
	if err := kr.Set(KeyringService, user, v); err != nil {
		t.Fatal(err)
	}
}

// encodeBundle returns the bundle as ASCII-only JSON (format 1's payload).
func encodeBundle(b *Bundle) (string, error) {
	data, err := json.Marshal(b)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	for _, r := range string(data) {
		switch {
		case r < utf8.RuneSelf:
			sb.WriteRune(r)
		case r > 0xffff:
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&sb, `\u%04x\u%04x`, r1, r2)
		default:
			fmt.Fprintf(&sb, `\u%04x`, r)
		}
	}
	return sb.String(), nil
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

var testTime = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// sampleBundle returns a bundle with every part filled in, tagged so
// different bundles differ, and a non-ASCII email.
func sampleBundle(tag string) *Bundle {
	b := &Bundle{
		IdP: &cred.Tokens{
			IDToken: "eyJ.id." + tag, AccessToken: "at-" + tag, RefreshToken: "rt-" + tag,
			Expiry: testTime.Add(time.Hour), Subject: "sub-" + tag, Email: "jörg+" + tag + "@exämple.com 🔑",
			IssuedAt: testTime,
		},
		Grants: []*cred.Grant{{
			Target: "s3://bucket/prefix/*", Permission: "READ", Privilege: "Default",
			Credentials: &cred.Credentials{AccessKeyID: "ASIAGRANT", SecretAccessKey: "gs-" + tag,
				SessionToken: "gt-" + tag, Expiration: testTime.Add(time.Hour), MintedAt: testTime},
		}},
	}
	b.SetSession("", &cred.Credentials{AccessKeyID: "ASIA" + tag, SecretAccessKey: "sk-" + tag,
		SessionToken: "st-" + tag, Expiration: testTime.Add(time.Hour), AccountID: "123456789012",
		AssumedRoleARN: "arn:aws:sts::123456789012:assumed-role/R/tip-x", Identity: "u-1", MintedAt: testTime})
	return b
}

// bundleWithPayload returns a bundle whose encoded payload is exactly n
// bytes (n must exceed the payload of sampleBundle).
func bundleWithPayload(t testing.TB, tag string, n int) *Bundle {
	t.Helper()
	b := sampleBundle(tag)
	base, err := encodeBundle(b)
	if err != nil {
		t.Fatal(err)
	}
	if n < len(base) {
		t.Fatalf("payload %d smaller than base %d", n, len(base))
	}
	b.IdP.IDToken += strings.Repeat("x", n-len(base))
	got, _ := encodeBundle(b)
	if len(got) != n {
		t.Fatalf("payload %d, want %d", len(got), n)
	}
	return b
}

// mustJSON renders b for comparisons.
func mustJSON(t testing.TB, b *Bundle) string {
	t.Helper()
	data, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func assertBundle(t testing.TB, got, want *Bundle) {
	t.Helper()
	if got == nil {
		t.Fatal("got no bundle")
	}
	if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
		t.Fatalf("bundle mismatch:\n got %.200s\nwant %.200s", g, w)
	}
}
