package store

import (
	"context"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/tip-cli/tip-cli/internal/store/storetest"
)

// checkSealed compares decodeSealed with its definition, encoding/json into
// a sealedFile: the same decision, and the same envelope when taken.
// It returns whether the fast decode took data.
func checkSealed(t *testing.T, data []byte) (fast bool) {
	t.Helper()
	_, fast = decodeSealedFast(data)
	got, ok := decodeSealed(data)
	var want sealedFile
	werr := json.Unmarshal(data, &want)
	if ok != (werr == nil) {
		t.Fatalf("decodeSealed(%q): ok %v (fast %v), encoding/json: %v", data, ok, fast, werr)
	}
	if ok && !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeSealed(%q) (fast %v) =\n%#v\nencoding/json:\n%#v", data, fast, got, want)
	}
	return fast
}

// checkServedSection does the same for an opened served section.
func checkServedSection(t *testing.T, plain []byte) (fast bool) {
	t.Helper()
	_, fast = decodeServedSectionFast(plain)
	got := decodeServedSection(plain)
	var want Served
	werr := json.Unmarshal(plain, &want)
	if (got != nil) != (werr == nil) {
		t.Fatalf("decodeServedSection(%q) = %v (fast %v), encoding/json: %v", plain, got != nil, fast, werr)
	}
	if got != nil && !reflect.DeepEqual(*got, want) {
		t.Fatalf("decodeServedSection(%q) (fast %v) =\n%#v\nencoding/json:\n%#v", plain, fast, *got, want)
	}
	return fast
}

const envelopeHead = `{"format":"tip-cli sealed bundle","version":3,"profile":"p",`

// sealedCases are envelopes beside what Put writes: duplicate keys
// (encoding/json takes the last), keys in another case (encoding/json
// matches them), escapes, nulls, wrong types, huge numbers, base64 that
// StdEncoding refuses or skips parts of.
var sealedCases = []string{
	envelopeHead + `"served":"AAAA","secret":"AAAA"}`,
	envelopeHead + `"served":"","secret":""}`,
	envelopeHead + `"served":"AAAA","secret":"AAAA","extra":{"x":[1,null]}}`,
	envelopeHead + `"served":"AAAA","secret":"AAAA","profile":"q"}`,
	`{"profile":"q",` + envelopeHead[1:] + `"served":"AAAA","secret":"AAAA"}`,
	envelopeHead + `"served":"AAAA","secret":"AAAA","version":2}`,
	envelopeHead + `"served":"AAAA","secret":"AAAA","Profile":"q"}`,
	envelopeHead + `"served":"AAAA","secret":"AAAA","VERSION":4}`,
	`{"format":"tip-cli sealed bundl\u0065","version":3,"profile":"\u0070","served":"AA\u003d\u003d","secret":"AAAA"}`,
	envelopeHead + `"served":"AA\nAA","secret":"AA\r\nAA"}`,
	envelopeHead + `"served":"AA\tAA","secret":"AAAA"}`,
	envelopeHead + `"served":"AAA","secret":"AAAA"}`,
	envelopeHead + `"served":"AA==AA==","secret":"AAAA"}`,
	envelopeHead + `"served":"-_-_","secret":"AAAA"}`,
	envelopeHead + `"served":"AB==","secret":"AAAA"}`,
	envelopeHead + `"served":null,"secret":"AAAA"}`,
	envelopeHead + `"served":[0,1],"secret":"AAAA"}`,
	envelopeHead + `"served":123,"secret":"AAAA"}`,
	`{"format":null,"version":null,"profile":null,"served":"AAAA","secret":"AAAA"}`,
	`{"format":"tip-cli sealed bundle","version":"3","profile":"p","served":"AAAA","secret":"AAAA"}`,
	`{"format":"tip-cli sealed bundle","version":3.0,"profile":"p","served":"AAAA","secret":"AAAA"}`,
	`{"format":"tip-cli sealed bundle","version":3e0,"profile":"p","served":"AAAA","secret":"AAAA"}`,
	`{"format":"tip-cli sealed bundle","version":-3,"profile":"p","served":"AAAA","secret":"AAAA"}`,
	`{"format":"tip-cli sealed bundle","version":1234567890,"profile":"p","served":"AAAA","secret":"AAAA"}`,
	`{"format":"tip-cli sealed bundle","version":99999999999999999999,"profile":"p","served":"AAAA","secret":"AAAA"}`,
	`{"format":"tip-cli sealed bundle","version":3,"profile":"\ud800","served":"AAAA","secret":"AAAA"}`,
	"{\"format\":\"tip-cli sealed bundle\",\"version\":3,\"profile\":\"\xff\",\"served\":\"AAAA\",\"secret\":\"AAAA\"}",
	envelopeHead + `"served":"AAAA","secret":"AAAA"} trailing`,
	envelopeHead + `"served":"AAAA","secret":"AAAA",}`,
	`[]`, `null`, ``, `{}`,
}

// TestDecodeSealedFastMatchesEncodingJSON: decodeSealed decides and
// decodes as encoding/json does, on what Put writes (taken by the fast
// decode, as it is the warm path's every call) and on hostile envelopes.
func TestDecodeSealedFastMatchesEncodingJSON(t *testing.T) {
	checkBothPaths(t, sealedCases, checkSealed)
	for _, b := range []*Bundle{sampleBundle("a"), bigBundle("b"), fullBundle()} {
		data := putSealed(t, b)
		if !checkSealed(t, data) {
			t.Fatalf("the fast decode gave up on what Put writes:\n%s", data)
		}
	}
}

// checkBothPaths runs check on every case and fails unless the fast
// decode took some of them and gave up on others (else the cases no
// longer compare both paths).
func checkBothPaths(t *testing.T, cases []string, check func(*testing.T, []byte) bool) {
	t.Helper()
	took := 0
	for _, in := range cases {
		if check(t, []byte(in)) {
			took++
		}
	}
	if took < 3 || took == len(cases) {
		t.Errorf("the fast decode took %d of %d cases", took, len(cases))
	}
}

// putSealed returns the sealed file Put writes for b.
func putSealed(t testing.TB, b *Bundle) []byte {
	t.Helper()
	s := NewKeyringStore(t.TempDir(), storetest.NewKeyring(0))
	if err := s.Put(context.Background(), "p", b); err != nil {
		t.Fatal(err)
	}
	_, path, _ := s.paths("p")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// servedSectionCases are served sections (a Served's JSON) beside what
// Put seals.
var servedSectionCases = []string{
	`{}`, `{"sessions":{},"grants":[]}`,
	`{"sessions":{"":{"access_key_id":"A","expiration":"2025-06-01T13:00:00Z"}}}`,
	`{"idp":{"refresh_token":"x"},"presented":[{"digest":"d"}],"sessions":{}}`,
	`{"idp":{"a":1,"a":2}}`,
	`{"sessions":null}`, `{"grants":null}`, `{"grants":[null]}`, `null`,
	`{"Sessions":{}}`, `{"SESSIONS":{"":{}},"sessions":{"s":{}}}`, `{"extra":1}`,
	`{"sessions":{"":{}},"sessions":{"s":{}}}`,
	`{"sessions":{"":{"access_key_id":"A"},"":{"secret_access_key":"B"}}}`,
	`{"sessions":{"\u0073":{"access_key_id":"\u0041\n\"\\"}}}`,
	`{"sessions":{"\ud834\udd1e":{}}}`,
	`{"sessions":{"":{"expiration":"yesterday"}}}`,
	`{"sessions":{"":{"expiration":1}}}`,
	`{"sessions":{"":{"access_key_id":1}}}`,
	`{"grants":[{"credentials":{"origin":{"subject":"s","extra":1}}}]}`,
	`{"sessions":[]}`, `{"grants":{}}`, `{"sessions":{}} x`, `{"sessions":{},}`,
}

// TestDecodeServedSectionFastMatchesEncodingJSON: the same for the served
// section, on what Put seals and on hostile sections.
func TestDecodeServedSectionFastMatchesEncodingJSON(t *testing.T) {
	checkBothPaths(t, servedSectionCases, checkServedSection)
	for _, b := range []*Bundle{sampleBundle("a"), bigBundle("b"), fullBundle()} {
		plain, err := json.Marshal(b.ServedPart())
		if err != nil {
			t.Fatal(err)
		}
		if !checkServedSection(t, plain) {
			t.Fatalf("the fast decode gave up on what Put seals:\n%s", plain)
		}
	}
}

// sealedSample stores sampleBundle("a") for profile "p" in a new keyring
// store and returns the store, its keyring and the AEAD of the profile key.
func sealedSample(t *testing.T) (*KeyringStore, *storetest.Keyring, cipher.AEAD) {
	t.Helper()
	ctx := context.Background()
	kr := storetest.NewKeyring(0)
	s := newTestKeyring(t, kr)
	if err := s.Put(ctx, "p", sampleBundle("a")); err != nil {
		t.Fatal(err)
	}
	key, err := s.readKey(ctx, itemOf(t, s, "p"))
	if err != nil {
		t.Fatal(err)
	}
	aead, err := newAEAD(key)
	if err != nil {
		t.Fatal(err)
	}
	return s, kr, aead
}

// TestKeyringServedSectionHostile seals each hostile served section into a
// real file under the profile's key: GetServed serves what encoding/json
// decodes of it, or nothing where encoding/json refuses it.
func TestKeyringServedSectionHostile(t *testing.T) {
	ctx := context.Background()
	s, kr, aead := sealedSample(t)
	for _, in := range servedSectionCases {
		rewriteSealed(t, s, "p", func(f *sealedFile) {
			f.Served = aead.Seal(nil, nil, []byte(in), additionalData(f.Version, "p", sectionServed, f.Secret))
		})
		got, err := NewKeyringStore(s.Dir, kr).GetServed(ctx, "p")
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		var want *Served
		var sv Served // as openServed decoded before (null: an empty Served)
		if err := json.Unmarshal([]byte(in), &sv); err == nil {
			want = &sv
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("GetServed of served section %s =\n%#v\nencoding/json:\n%#v", in, got, want)
		}
	}
}

// TestKeyringSealedEnvelopeEdits: edits of a real sealed file's envelope
// that encoding/json reads in its own way keep their old result through
// GetServed (the same section served, or nothing).
func TestKeyringSealedEnvelopeEdits(t *testing.T) {
	ctx := context.Background()
	s, kr, _ := sealedSample(t)
	want := sampleBundle("a")
	_, path, _ := s.paths("p")
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f := readSealed(t, s, "p")
	served := `"served":"` + base64.StdEncoding.EncodeToString(f.Served) // as Put writes it, without the closing quote
	wrapped := served[:20] + `\n` + served[20:40] + `\r\n` + served[40:]
	for _, tc := range []struct {
		name   string
		edit   func(string) string
		served bool
	}{
		{"as written", func(d string) string { return d }, true},
		{"profile again, last wins", func(d string) string { return strings.TrimSuffix(d, "}") + `,"profile":"q"}` }, false},
		{"profile again, first loses", func(d string) string { return `{"profile":"q",` + d[1:] }, true},
		{"version again", func(d string) string { return strings.TrimSuffix(d, "}") + `,"version":2}` }, false},
		{"profile in another case", func(d string) string { return strings.TrimSuffix(d, "}") + `,"PROFILE":"q"}` }, false},
		{"unknown key", func(d string) string { return strings.TrimSuffix(d, "}") + `,"x":[null]}` }, true},
		{"escaped format", func(d string) string { return strings.Replace(d, `sealed bundle`, `sealed bundl\u0065`, 1) }, true},
		{"base64 wrapped", func(d string) string { return strings.Replace(d, served, wrapped, 1) }, true},
		{"base64 with a tab", func(d string) string { return strings.Replace(d, served, served[:20]+`\t`+served[20:], 1) }, false},
		{"served null", func(d string) string { return strings.Replace(d, served+`"`, `"served":null`, 1) }, false},
		{"version 3.0", func(d string) string { return strings.Replace(d, `"version":3`, `"version":3.0`, 1) }, false},
		{"version huge", func(d string) string { return strings.Replace(d, `"version":3`, `"version":300000000000000000003`, 1) }, false},
		{"version 2", func(d string) string { return strings.Replace(d, `"version":3`, `"version":2`, 1) }, false},
		{"another format", func(d string) string { return strings.Replace(d, `sealed bundle`, `sealed bundle2`, 1) }, false},
		{"over the size limit", func(d string) string { return d + strings.Repeat(" ", maxFileSize) }, false},
	} {
		data := tc.edit(string(good))
		if data == string(good) && tc.name != "as written" {
			t.Fatalf("%s: the edit changed nothing", tc.name)
		}
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		checkSealed(t, []byte(data))
		got, err := NewKeyringStore(s.Dir, kr).GetServed(ctx, "p")
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if (got != nil) != tc.served {
			t.Errorf("%s: served %v, want %v", tc.name, got != nil, tc.served)
		} else if got != nil && !reflect.DeepEqual(got, want.ServedPart()) {
			t.Errorf("%s: served %#v, want %#v", tc.name, got, want.ServedPart())
		}
	}
}

// FuzzDecodeSealedFast: on any input, decodeSealed decides and decodes as
// encoding/json does (go test -fuzz FuzzDecodeSealedFast ./internal/store).
func FuzzDecodeSealedFast(f *testing.F) {
	for _, in := range sealedCases {
		f.Add([]byte(in))
	}
	f.Add(putSealed(f, fullBundle()))
	f.Fuzz(func(t *testing.T, data []byte) { checkSealed(t, data) })
}

// FuzzDecodeServedSectionFast: the same for an opened served section
// (go test -fuzz FuzzDecodeServedSectionFast ./internal/store).
func FuzzDecodeServedSectionFast(f *testing.F) {
	for _, in := range servedSectionCases {
		f.Add([]byte(in))
	}
	plain, _ := json.Marshal(fullBundle().ServedPart())
	f.Add(plain)
	whole, _ := json.Marshal(fullBundle())
	f.Add(whole)
	f.Fuzz(func(t *testing.T, plain []byte) { checkServedSection(t, plain) })
}
