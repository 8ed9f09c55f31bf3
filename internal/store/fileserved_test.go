package store

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/cred"
)

// servedViaEncodingJSON is decodeServed's definition: encoding/json into
// a servedEnvelope.
func servedViaEncodingJSON(data []byte) (servedEnvelope, bool) {
	var env servedEnvelope
	return env, json.Unmarshal(data, &env) == nil
}

func checkServedFast(t *testing.T, data []byte) {
	t.Helper()
	got, ok := decodeServedFast(data)
	if !ok {
		return
	}
	want, wok := servedViaEncodingJSON(data)
	if !wok {
		t.Fatalf("decodeServedFast took %q, which encoding/json refuses", data)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeServedFast(%q) =\n%#v\nencoding/json:\n%#v", data, got, want)
	}
}

// fullBundle has every part of a bundle, the served part and the rest.
func fullBundle() *Bundle {
	b := sampleBundle("f")
	b.IdP.Metadata = &cred.IdPMetadata{Issuer: "https://idp.example", JWKSSHA256: "ab", JWKSFetched: testTime}
	b.IdP.RefreshPresented = true
	b.Presented = []Presented{{Digest: "cd", At: testTime, Expires: testTime.Add(time.Hour)}}
	c := *b.Session("")
	c.Origin = &cred.Origin{Subject: "alice <a&b>", SubjectType: "email", Issuer: "https://idp.example", FederatedProviderARN: "arn:aws:iam::1:oidc-provider/x"}
	c.Chain = "iam-federation\x00arn:aws:iam::1:role/r"
	b.SetSession("scope-1", &c)
	b.Grants[0].TargetType = "Object"
	b.Grants[0].Requested = "s3://bucket/prefix/x"
	return b
}

func envelopeJSON(t *testing.T, profile string, b *Bundle) []byte {
	t.Helper()
	data, err := json.Marshal(fileEnvelope{Version: fileVersion, Profile: profile, Bundle: b})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

var servedCases = []string{
	`{"version":1,"profile":"p","bundle":{}}`,
	`{"version":1,"profile":"p","bundle":{"sessions":{},"grants":[]}}`,
	`{"version":1,"profile":"p","bundle":{"idp":{"expiry":5},"sessions":{"":{"access_key_id":"A","expiration":"2025-06-01T13:00:00Z"}}}}`,
	`{"version":2,"profile":"q","bundle":null}`,
	`{"version":1,"profile":"p","bundle":{"sessions":null}}`,
	`{"version":1,"profile":"p","bundle":{"Sessions":{}}}`,
	`{"version":1,"profile":"p","bundle":{"sessions":{"":{"expiration":"yesterday"}}}}`,
	`{"version":1,"profile":"p","bundle":{"sessions":{"":{"expiration":"2025-06-01T13:00:00\u005a"}}}}`,
	`{"version":1,"profile":"p","bundle":{"grants":[{"credentials":null}]}}`,
	`{"version":1,"profile":"p","bundle":{"sessions":{"":{},"":{}}}}`,
	`{"version":1,"profile":"p","bundle":{"new_field":{}}}`,
	`{"version":1,"profile":"p","bundle":{}} trailing`,
	`{"version":1.0,"profile":"p","bundle":{}}`,
}

// TestDecodeServedFastMatchesEncodingJSON: when the fast decode takes a
// file, encoding/json decodes it to the same served part; it takes what
// Put writes; and GetServed returns Get's served part for such a file.
func TestDecodeServedFastMatchesEncodingJSON(t *testing.T) {
	for _, in := range servedCases {
		checkServedFast(t, []byte(in))
	}
	written := envelopeJSON(t, "p", fullBundle())
	checkServedFast(t, written)
	if _, ok := decodeServedFast(written); !ok {
		t.Fatalf("decodeServedFast gave up on what Put writes:\n%s", written)
	}
	ctx := context.Background()
	s := NewFileStore(t.TempDir())
	if err := s.Put(ctx, "p", fullBundle()); err != nil {
		t.Fatal(err)
	}
	b, err := s.Get(ctx, "p")
	if err != nil || b == nil {
		t.Fatalf("Get: %v, %v", b, err)
	}
	served, err := s.GetServed(ctx, "p")
	if err != nil || !reflect.DeepEqual(served, b.ServedPart()) {
		t.Fatalf("GetServed = %#v, %v; want %#v", served, err, b.ServedPart())
	}
	if served, _ := s.GetServed(ctx, "other"); served != nil {
		t.Errorf("GetServed of another profile = %#v", served)
	}
}

// TestFileStoreGetServedSkipsIdP: the warm path does not decode the IdP
// tokens, so an IdP part that Get cannot decode (Get: absent) leaves the
// cached sessions served, as the keyring store's sealed part does; a file
// for another profile or version, or not JSON, is still absent.
func TestFileStoreGetServedSkipsIdP(t *testing.T) {
	ctx := context.Background()
	s := NewFileStore(t.TempDir())
	if err := s.Put(ctx, "p", sampleBundle("a")); err != nil {
		t.Fatal(err)
	}
	path, _ := s.Path("p")
	good, err := readPrivateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		data   string
		served bool
	}{
		"idp of the wrong type": {strings.Replace(string(good), `"idp":{`, `"idp":{"refresh_presented":"yes",`, 1), true},
		"other profile":         {strings.Replace(string(good), `"profile":"p"`, `"profile":"q"`, 1), false},
		"other version":         {strings.Replace(string(good), `"version":1`, `"version":9`, 1), false},
		"truncated":             {string(good[:len(good)-1]), false},
	} {
		if err := writePrivateFile(path, []byte(tc.data)); err != nil {
			t.Fatal(err)
		}
		if b, err := s.Get(ctx, "p"); b != nil || err != nil {
			t.Fatalf("%s: Get = %v, %v; want absent", name, b, err)
		}
		got, err := s.GetServed(ctx, "p")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if served := got.Session("") != nil; served != tc.served {
			t.Errorf("%s: served %v, want %v", name, served, tc.served)
		}
	}
}

// TestDecodeServedFastKnowsEveryKey fails when a field is added to the
// served types and not to the fast decode (which would then hand every
// file to encoding/json: correct, but slow).
func TestDecodeServedFastKnowsEveryKey(t *testing.T) {
	creds := everyKey(t, reflect.TypeFor[cred.Credentials]())
	grant := everyKey(t, reflect.TypeFor[cred.Grant](), "credentials")
	grant = strings.Replace(grant, `"credentials":{}`, `"credentials":`+creds, 1)
	served := everyKey(t, reflect.TypeFor[Served]())
	served = strings.Replace(served, `"sessions":{}`, `"sessions":{"":`+creds+`,"s2":`+creds+`}`, 1)
	served = strings.Replace(served, `"grants":[]`, `"grants":[`+grant+`,`+grant+`]`, 1)
	doc := `{"version":1,"profile":"p","bundle":` + served + `}`
	if _, ok := decodeServedFast([]byte(doc)); !ok {
		t.Fatalf("decodeServedFast gave up on a file with every key:\n%s", doc)
	}
	checkServedFast(t, []byte(doc))
}

// everyKey renders an object of typ with every JSON key set (nested
// objects: every key of theirs too, except the keys in shallow: {}).
func everyKey(t *testing.T, typ reflect.Type, shallow ...string) string {
	var members []string
	for i := range typ.NumField() {
		f := typ.Field(i)
		key, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		var v string
		switch {
		case f.Type == reflect.TypeFor[time.Time]():
			v = `"2025-06-01T13:00:00+02:00"`
		case f.Type.Kind() == reflect.String:
			v = fmt.Sprintf("%q", "v-"+key)
		case f.Type.Kind() == reflect.Map:
			v = `{}`
		case f.Type.Kind() == reflect.Slice:
			v = `[]`
		case f.Type.Kind() == reflect.Pointer && !contains(shallow, key):
			v = everyKey(t, f.Type.Elem())
		case f.Type.Kind() == reflect.Pointer:
			v = `{}`
		default:
			t.Fatalf("%s.%s: kind %s is not decoded by the fast decode", typ.Name(), f.Name, f.Type.Kind())
		}
		members = append(members, fmt.Sprintf("%q:%s", key, v))
	}
	return "{" + strings.Join(members, ",") + "}"
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// FuzzDecodeServedFast: for any input the fast decode takes, encoding/json
// gives the same (go test -fuzz FuzzDecodeServedFast ./internal/store).
func FuzzDecodeServedFast(f *testing.F) {
	for _, in := range servedCases {
		f.Add([]byte(in))
	}
	data, _ := json.Marshal(fileEnvelope{Version: fileVersion, Profile: "p", Bundle: fullBundle()})
	f.Add(data)
	f.Fuzz(func(t *testing.T, data []byte) { checkServedFast(t, data) })
}
