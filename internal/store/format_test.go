package store

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/tip-cli/tip-cli/internal/store/storetest"
)

var updateFormat = flag.Bool("update-format", false, "rewrite testdata/format from the current code (only for a deliberate format change, with a migration)")

// formatDir holds store files written by earlier builds: a format-2
// keyring store's sealed file (version 2) with its key item, written
// before the credential types moved to package cred (dev.sealed, dev.key);
// a version-3 sealed file with its key (dev-v3.sealed, dev-v3.key); a file
// store's file; and the bundle's JSON.
const formatDir = "testdata/format"

// TestStoredFormatStillReads reads files an earlier tip-cli wrote: a
// keyring store's sealed file of either version (with its key as the
// keyring held it, the version-2 one under the unscoped item it was
// migrated from) and a file store's file must read back as the bundle that
// was written, and the bundle must still encode to the same bytes.
func TestStoredFormatStillReads(t *testing.T) {
	if *updateFormat {
		writeFormatFixtures(t, sampleBundle("format"))
	}
	for _, v := range []struct{ sealed, key string }{{"dev.sealed", "dev.key"}, {"dev-v3.sealed", "dev-v3.key"}} {
		t.Run(v.sealed, func(t *testing.T) { testStoredFormat(t, v.sealed, v.key) })
	}
}

func testStoredFormat(t *testing.T, sealedName, keyName string) {
	ctx := context.Background()
	want := sampleBundle("format")
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, SecretsDirName), 0o700); err != nil {
		t.Fatal(err)
	}
	copyFile(t, filepath.Join(formatDir, sealedName), filepath.Join(dir, SecretsDirName, "dev.sealed"), 0o600)
	copyFile(t, filepath.Join(formatDir, "dev.json"), filepath.Join(dir, SecretsDirName, "dev.json"), 0o600)
	key, err := os.ReadFile(filepath.Join(formatDir, keyName))
	if err != nil {
		t.Fatal(err)
	}
	kr := storetest.NewKeyring(0)
	ks := NewKeyringStore(dir, kr)
	item := itemOf(t, ks, "dev")
	if version := readSealed(t, ks, "dev").Version; version == sealedVersionV2 {
		item = legacyKeyName("dev")
	}
	if err := kr.Set(KeyringService, item, string(key)); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]Store{"keyring": ks, "file": NewFileStore(dir)} {
		got, err := s.Get(ctx, "dev")
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s store: Get = %+v, %v; want the bundle written", name, got, err)
		}
		served, err := s.GetServed(ctx, "dev")
		if err != nil || !reflect.DeepEqual(served, want.ServedPart()) {
			t.Errorf("%s store: GetServed = %+v, %v", name, served, err)
		}
	}
	old, err := os.ReadFile(filepath.Join(formatDir, "bundle.json"))
	if err != nil {
		t.Fatal(err)
	}
	if now, err := json.Marshal(want); err != nil || !bytes.Equal(now, old) {
		t.Errorf("bundle encodes differently now (%v):\n%s\nwas:\n%s", err, now, old)
	}
}

// writeFormatFixtures writes want through both stores and keeps what they
// wrote under formatDir (the current sealed version as dev-v3.*).
func writeFormatFixtures(t *testing.T, want *Bundle) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	kr := storetest.NewKeyring(0)
	if err := NewKeyringStore(dir, kr).Put(ctx, "dev", want); err != nil {
		t.Fatal(err)
	}
	fileDir := t.TempDir()
	if err := NewFileStore(fileDir).Put(ctx, "dev", want); err != nil {
		t.Fatal(err)
	}
	key, err := kr.Get(KeyringService, itemOf(t, NewKeyringStore(dir, kr), "dev"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(formatDir, 0o755); err != nil {
		t.Fatal(err)
	}
	// The version-2 files stay as an earlier build wrote them.
	copyFile(t, filepath.Join(dir, SecretsDirName, "dev.sealed"), filepath.Join(formatDir, "dev-v3.sealed"), 0o644)
	copyFile(t, filepath.Join(fileDir, SecretsDirName, "dev.json"), filepath.Join(formatDir, "dev.json"), 0o644)
	for name, b := range map[string][]byte{"dev-v3.key": []byte(key), "bundle.json": data} {
		if err := os.WriteFile(filepath.Join(formatDir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func copyFile(t *testing.T, from, to string, perm os.FileMode) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, perm); err != nil {
		t.Fatal(err)
	}
}
