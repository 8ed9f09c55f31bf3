package jsonscan

import (
	"encoding/json"
	"reflect"
	"testing"
)

// doc is what the tests read: a flat object of strings, integers and
// string arrays, any other value skipped.
type doc struct {
	Strings map[string]string
	Ints    map[string]int
	Arrays  map[string][]string
}

func scanDoc(data []byte) (doc, bool) {
	d := doc{map[string]string{}, map[string]int{}, map[string][]string{}}
	s := New(data)
	ok := s.Object(func(key string) bool {
		var ok bool
		switch key[0] {
		case 's':
			d.Strings[key], ok = s.String()
		case 'i':
			d.Ints[key], ok = s.Int()
		case 'a':
			d.Arrays[key], ok = s.Strings()
		default:
			ok = s.Skip()
		}
		return ok
	})
	return d, ok && s.End()
}

// TestScanMatchesEncodingJSON: what the scanner accepts, it reads as
// encoding/json does (strings unescaped, integers, arrays).
func TestScanMatchesEncodingJSON(t *testing.T) {
	for _, in := range []string{
		`{}`, " \t\r\n{ } \n",
		`{"s":"plain","i":42,"a":["x","y"]}`,
		`{"s":"esc \" \\ \/ \b \f \n \r \t \u0041 \u00e9 \u20ac \u0000 \u003c","i":-7,"a":[]}`,
		`{"s":"utf-8 é € 𝄞 \u2028","i":0,"i2":-0,"i3":999999999}`,
		`{"x":{"deep":[1,2.5,-3e10,1E+2,0.0e-1,true,false,null,"s",{"k":[]}]},"s":""}`,
		`{"s1":"a","s2":"b","x":[[[[]]]],"x2":{"":""}}`,
	} {
		got, ok := scanDoc([]byte(in))
		if !ok {
			t.Errorf("%s: scanner gave up", in)
			continue
		}
		var all map[string]any
		if err := json.Unmarshal([]byte(in), &all); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		for k, v := range got.Strings {
			if all[k] != v {
				t.Errorf("%s: %s = %q, encoding/json %q", in, k, v, all[k])
			}
		}
		for k, v := range got.Ints {
			var want int
			_ = json.Unmarshal(mustMarshal(t, all[k]), &want)
			if want != v {
				t.Errorf("%s: %s = %d, encoding/json %d", in, k, v, want)
			}
		}
		for k, v := range got.Arrays {
			var want []string
			_ = json.Unmarshal(mustMarshal(t, all[k]), &want)
			if !reflect.DeepEqual(v, want) {
				t.Errorf("%s: %s = %#v, encoding/json %#v", in, k, v, want)
			}
		}
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestScanGivesUp: outside the plain subset, or not JSON at all, the
// scanner gives up (the caller then asks encoding/json).
func TestScanGivesUp(t *testing.T) {
	for _, in := range []string{
		``, ` `, `null`, `[]`, `"s"`, `{`, `{"s":"a"`, `{"s":"a",}`, `{"s":"a"} x`, `{"s":"a"}{}`,
		"\ufeff{}",                                                                      // a byte order mark
		`{"s":"a","s":"b"}`,                                                             // duplicate key
		`{"s":"a","\u0073":"b"}`,                                                        // duplicate after unescaping
		`{"s":null}`, `{"s":1}`, `{"i":"1"}`, `{"a":null}`, `{"a":[null]}`, `{"a":[1]}`, // null, wrong type
		`{"i":1.0}`, `{"i":1e2}`, `{"i":01}`, `{"i":-}`, `{"i":1234567890}`, `{"i":+1}`, // not a small integer
		`{"s":"\ud834\udd1e"}`, `{"s":"\ud800"}`, `{"s":"\x"}`, `{"s":"\u12"}`, `{"s":"\u12g4"}`,
		"{\"s\":\"\xff\"}", "{\"s\":\"a\x01\"}", "{\"s\":\"a\nb\"}", // invalid UTF-8, control characters
		`{"x":01}`, `{"x":1.}`, `{"x":.5}`, `{"x":1e}`, `{"x":-}`, `{"x":tru}`, `{"x":nul}`, `{"x":[1,]}`, `{"x":{"a"}}`,
		`{"x":` + deep(maxDepth+1) + `}`,
		`{'s':"a"}`, `{s:"a"}`,
	} {
		if _, ok := scanDoc([]byte(in)); ok {
			t.Errorf("%q: scanner accepted it", in)
		}
	}
	if _, ok := scanDoc([]byte(`{"x":` + deep(maxDepth-1) + `}`)); !ok {
		t.Error("nesting within maxDepth: scanner gave up")
	}
}

func deep(n int) string {
	s := "1"
	for range n {
		s = "[" + s + "]"
	}
	return s
}

// TestRawString is the literal as written, for UnmarshalJSON methods.
func TestRawString(t *testing.T) {
	s := New([]byte(` "2026-12-05T06:10:57Z" `))
	lit, ok := s.RawString()
	if !ok || string(lit) != `"2026-12-05T06:10:57Z"` || !s.End() {
		t.Fatalf("RawString = %q, %v", lit, ok)
	}
}

// bytesViaEncodingJSON is Bytes' definition: encoding/json into a []byte.
func bytesViaEncodingJSON(lit []byte) ([]byte, bool) {
	var b []byte
	return b, json.Unmarshal(lit, &b) == nil
}

func checkBytes(t *testing.T, lit []byte) (accepted bool) {
	t.Helper()
	s := New(lit)
	got, ok := s.Bytes()
	if !ok || !s.End() {
		return false
	}
	want, wok := bytesViaEncodingJSON(lit)
	if !wok {
		t.Fatalf("Bytes took %q, which encoding/json refuses", lit)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Bytes(%q) = %#v, encoding/json %#v", lit, got, want)
	}
	return true
}

// bytesCases: base64 as encoding/json writes it, and what else it accepts
// or refuses (URL alphabet, no padding, white space, escapes).
var bytesCases = []struct {
	lit    string
	accept bool // Bytes decodes it (else it gives up)
}{
	{`""`, true}, {`"QQ=="`, true}, {`"QUI="`, true}, {`"QUJD"`, true}, {`"+/+/"`, true},
	{`"QR=="`, true},                         // non-zero padding bits: StdEncoding is not Strict
	{`"Q\nQ=="`, true}, {`"QQ\r\n=="`, true}, // escaped new lines, which base64 skips
	{`"QQ=\n="`, true}, {`"\nQQ==\n"`, true}, // also inside the padding
	{`"\u0051Q=="`, true}, {`"Q\/\/\/"`, true}, // escaped alphabet
	{`"QQ"`, false}, {`"QQ="`, false}, {`"Q"`, false}, // padding missing
	{`"-_-_"`, false}, {`"QQ==QQ=="`, false}, // URL alphabet, data after padding
	{`" QQ=="`, false}, {`"Q\tQ=="`, false}, // white space base64 does not skip
	{`"QQ==\u0000"`, false}, {`"\ud800QQ=="`, false}, // NUL, a lone surrogate
	{`null`, false}, {`[65]`, false}, {`1`, false}, {"\"\xff\"", false},
}

// TestBytesMatchesEncodingJSON: what Bytes decodes, encoding/json decodes
// to the same bytes; it decodes what encoding/json writes.
func TestBytesMatchesEncodingJSON(t *testing.T) {
	for _, tc := range bytesCases {
		if got := checkBytes(t, []byte(tc.lit)); got != tc.accept {
			t.Errorf("Bytes(%s): accepted %v, want %v", tc.lit, got, tc.accept)
		}
	}
	for n := range 70 {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*37 + n)
		}
		if !checkBytes(t, mustMarshal(t, b)) {
			t.Errorf("Bytes gave up on encoding/json's %d bytes", n)
		}
	}
}

// FuzzBytes: for any literal Bytes takes, encoding/json gives the same
// bytes (go test -fuzz FuzzBytes ./internal/jsonscan).
func FuzzBytes(f *testing.F) {
	for _, tc := range bytesCases {
		f.Add([]byte(tc.lit))
	}
	f.Fuzz(func(t *testing.T, lit []byte) { checkBytes(t, lit) })
}
