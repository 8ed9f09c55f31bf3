package store

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestFileStoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := NewFileStore(t.TempDir())
	if got, err := s.Get(ctx, "default"); got != nil || err != nil {
		t.Fatalf("empty store: got %v, %v", got, err)
	}
	want := sampleBundle("a")
	if err := s.Put(ctx, "default", want); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	assertBundle(t, got, want)
	if s.Name() != "file" {
		t.Errorf("Name = %q", s.Name())
	}
}

func TestFileStorePermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX modes")
	}
	ctx := context.Background()
	dir := t.TempDir()
	// A pre-existing, too-open secrets dir is tightened.
	if err := os.Mkdir(filepath.Join(dir, SecretsDirName), 0o755); err != nil {
		t.Fatal(err)
	}
	s := NewFileStore(dir)
	if err := s.Put(ctx, "p", sampleBundle("a")); err != nil {
		t.Fatal(err)
	}
	path, _ := s.Path("p")
	for p, want := range map[string]os.FileMode{filepath.Dir(path): 0o700, path: 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s mode %o, want %o", p, got, want)
		}
	}
}

func TestFileStoreAtomicReplace(t *testing.T) {
	ctx := context.Background()
	s := NewFileStore(t.TempDir())
	old, repl := sampleBundle("old"), sampleBundle("new")
	if err := s.Put(ctx, "p", old); err != nil {
		t.Fatal(err)
	}
	path, _ := s.Path("p")
	// A reader that opened the file before the replace keeps reading the
	// whole old bundle: Put renames a new file over it, it never rewrites
	// the old one in place.
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := s.Put(ctx, "p", repl); err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	assertBundle(t, decodeFile(data, "p"), old)
	got, err := s.Get(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	assertBundle(t, got, repl)
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("secrets dir holds %d entries, want only the bundle (no temp files)", len(entries))
	}
}

func TestFileStoreCorruptReadsAbsent(t *testing.T) {
	ctx := context.Background()
	s := NewFileStore(t.TempDir())
	if err := s.Put(ctx, "p", sampleBundle("a")); err != nil {
		t.Fatal(err)
	}
	path, _ := s.Path("p")
	valid, _ := os.ReadFile(path)
	other, _ := os.ReadFile(path)
	other = []byte(strings.Replace(string(other), `"profile":"p"`, `"profile":"q"`, 1))
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"truncated", valid[:len(valid)/2]},
		{"last byte missing", valid[:len(valid)-1]},
		{"null", []byte("null")},
		{"no bundle", []byte(`{"version":1,"profile":"p"}`)},
		{"bundle null", []byte(`{"version":1,"profile":"p","bundle":null}`)},
		{"future version", []byte(strings.Replace(string(valid), `"version":1`, `"version":2`, 1))},
		{"other profile", other},
		{"wrong type", []byte(`{"version":1,"profile":"p","bundle":[1,2]}`)},
		{"binary", []byte{0xff, 0x00, 0x7b, 0x22}},
		{"too large", append(append([]byte{}, valid...), make([]byte, maxFileSize)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile(path, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := s.Get(ctx, "p")
			if got != nil || err != nil {
				t.Fatalf("got %v, %v; want absent", got, err)
			}
		})
	}
}

func TestFileStoreDelete(t *testing.T) {
	ctx := context.Background()
	s := NewFileStore(t.TempDir())
	if err := s.Delete(ctx, "p"); err != nil {
		t.Fatalf("delete absent: %v", err)
	}
	if err := s.Put(ctx, "p", sampleBundle("a")); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "q", sampleBundle("b")); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(ctx, "p"); got != nil || err != nil {
		t.Fatalf("after delete: %v, %v", got, err)
	}
	if got, _ := s.Get(ctx, "q"); got == nil {
		t.Fatal("delete removed another profile")
	}
}

func TestFileStoreHostileProfileNames(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := NewFileStore(dir)
	names := []string{
		"../escape", "../../etc/passwd", "a/b", `a\b`, "..", ".", ".hidden", "/abs",
		"x\x00y", "CON", "con", "nul.txt", "com1", "Dev", "dev", "a#1#0", "a", "%61",
		"prøfil", "with space", "tab\there", strings.Repeat("z", 150),
	}
	for _, n := range names {
		if err := s.Put(ctx, n, sampleBundle(n)); err != nil {
			t.Fatalf("put %q: %v", n, err)
		}
	}
	secrets := filepath.Join(dir, SecretsDirName)
	for _, n := range names {
		path, err := s.Path(n)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Dir(path) != secrets {
			t.Errorf("%q stored at %s, outside %s", n, path, secrets)
		}
		base := strings.TrimSuffix(filepath.Base(path), ".json")
		if isWindowsDeviceName(strings.ToLower(base)) || strings.HasPrefix(base, ".") {
			t.Errorf("%q encodes to unsafe name %q", n, base)
		}
		got, err := s.Get(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		assertBundle(t, got, sampleBundle(n)) // distinct names never collide
	}
	entries, _ := os.ReadDir(secrets)
	if len(entries) != len(names) {
		t.Errorf("%d files for %d profiles", len(entries), len(names))
	}
	for _, bad := range []string{"", strings.Repeat("Z", 100)} {
		if err := s.Put(ctx, bad, sampleBundle("x")); err == nil {
			t.Errorf("put %q: want error", bad)
		}
	}
}

// decodeProfile inverts encodeProfile, for tests.
func decodeProfile(t testing.TB, enc string) string {
	t.Helper()
	var sb strings.Builder
	for i := 0; i < len(enc); i++ {
		if enc[i] != '%' {
			sb.WriteByte(enc[i])
			continue
		}
		var c byte
		for _, h := range enc[i+1 : i+3] {
			c = c<<4 | byte(strings.IndexRune("0123456789ABCDEF", h))
		}
		sb.WriteByte(c)
		i += 2
	}
	return sb.String()
}

func FuzzEncodeProfile(f *testing.F) {
	for _, s := range []string{"default", "../x", "CON", "a#1", "%", ".", "Ünï", "com9.x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, profile string) {
		enc, err := encodeProfile(profile)
		if err != nil {
			return
		}
		for i := 0; i < len(enc); i++ {
			if enc[i] == '%' {
				if i+2 >= len(enc) || !isUpperHex(enc[i+1]) || !isUpperHex(enc[i+2]) {
					t.Fatalf("%q -> %q: bad escape at %d", profile, enc, i)
				}
				i += 2
				continue
			}
			if !isPlainByte(enc[i]) {
				t.Fatalf("%q -> %q: unexpected byte %q", profile, enc, enc[i])
			}
		}
		if enc[0] == '.' || isWindowsDeviceName(enc) || strings.ContainsAny(enc, `/\#`) {
			t.Fatalf("%q -> unsafe %q", profile, enc)
		}
		if got := decodeProfile(t, enc); got != profile {
			t.Fatalf("%q -> %q -> %q: not injective", profile, enc, got)
		}
	})
}

func FuzzDecodeFile(f *testing.F) {
	data, _ := encodeBundle(sampleBundle("a"))
	f.Add([]byte(`{"version":1,"profile":"p","bundle":` + data + `}`))
	f.Add([]byte(`{"version":1,"profile":"p","bundle":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = decodeFile(data, "p") // must not panic
	})
}

func isUpperHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'A' && c <= 'F' }
