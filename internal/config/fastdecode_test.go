package config

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// viaEncodingJSON is what Parse's encoding/json path decodes for the
// profiles form (before its checks); ok=false when that path would not
// decode data as the profiles form.
func viaEncodingJSON(data []byte) (*File, bool) {
	var probe map[string]json.RawMessage
	if json.Unmarshal(data, &probe) != nil || probe == nil {
		return nil, false
	}
	if _, ok := probe["profiles"]; !ok {
		return nil, false
	}
	var f File
	if json.Unmarshal(data, &f) != nil {
		return nil, false
	}
	return &f, true
}

// fastCases are config.json documents: what Save writes, and what people
// and older versions write by hand.
var fastCases = []string{
	`{"profiles":{}}`,
	`{"profiles":{"default":{"provider":"okta","okta_url":"https://x.okta.com","okta_client_id":"c","token_exchange_application_arn":"arn:aws:sso::123456789012:application/ssoins-1/apl-2","oidc_role_arn":"arn:aws:iam::123456789012:role/o","id_enhanced_role_arn":"arn:aws:iam::123456789012:role/e","region":"us-east-1"}}}`,
	`{"sign_ins":{"corp":{"provider":"oidc","issuer_url":"https://idp.example","client_id":"c","scopes":["openid","groups"]}},
	  "profiles":{"a":{"sign_in":"corp","tip_mode":"iam-federation","role_arn":"arn:aws:iam::123456789012:role/r","duration_seconds":43200,
	  "session_policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}",
	  "session_policy_arns":[],"redirect_uri":"http://127.0.0.1:8090/callback?a=1\u0026b=\u003c2\u003e","prompt":"consent","flow":"device"}}}`,
	`{"profiles":{"x":{}},"unknown":1}`,                                      // unknown key: encoding/json
	`{"Profiles":{"x":{}}}`,                                                  // other case: encoding/json
	`{"profiles":{"x":{"Region":"us-east-1"}}}`,                              // other case: encoding/json
	`{"profiles":null}`,                                                      // null: encoding/json
	`{"profiles":{"x":null}}`,                                                // null profile: encoding/json (then Parse's error)
	`{"profiles":{"x":{"region":"a","region":"b"}}}`,                         // duplicate: encoding/json
	`{"profiles":{"x":{"duration_seconds":1.5}}}`,                            // not an int: encoding/json's error
	`{"profiles":{"x":{"scopes":"openid"}}}`,                                 // wrong type: encoding/json's error
	`{"provider":"oidc","issuer_url":"https://idp.example","client_id":"c"}`, // legacy flat form
	`[]`, `null`, `{`, ``,
}

// TestParseFastMatchesEncodingJSON: when the fast decode takes a document,
// encoding/json decodes it to the same File; and it takes what Save writes.
func TestParseFastMatchesEncodingJSON(t *testing.T) {
	for _, in := range fastCases {
		checkParseFast(t, []byte(in))
	}
	for _, want := range []string{fastCases[0], fastCases[1], fastCases[2]} {
		if _, ok := parseFast([]byte(want)); !ok {
			t.Errorf("parseFast gave up on %s", want)
		}
	}
	f, ok := parseFast([]byte(fastCases[2]))
	if !ok || f.Profiles["a"].SessionPolicyARNs == nil || f.Profiles["a"].RedirectURI != "http://127.0.0.1:8090/callback?a=1&b=<2>" {
		t.Errorf("parseFast: %+v", f.Profiles["a"])
	}
	saved, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := parseFast(saved); !ok {
		t.Errorf("parseFast gave up on what Save writes:\n%s", saved)
	}
}

func checkParseFast(t *testing.T, data []byte) {
	t.Helper()
	got, ok := parseFast(data)
	if !ok {
		return
	}
	want, wok := viaEncodingJSON(data)
	if !wok {
		t.Fatalf("parseFast took %q, which encoding/json refuses", data)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("parseFast(%q) =\n%#v\nencoding/json:\n%#v", data, got, want)
	}
}

// TestParseFastKnowsEveryKey fails when a field is added to Profile and
// not to decodeField (the fast decode would hand every config with it to
// encoding/json: correct, but slow).
func TestParseFastKnowsEveryKey(t *testing.T) {
	var members []string
	typ := reflect.TypeFor[Profile]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		key, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		var v string
		switch f.Type.Kind() {
		case reflect.String:
			v = fmt.Sprintf("%q", "v-"+key)
		case reflect.Int:
			v = "3600"
		case reflect.Slice:
			v = `["a","b"]`
		default:
			t.Fatalf("Profile.%s: kind %s is not decoded by decodeField", f.Name, f.Type.Kind())
		}
		members = append(members, fmt.Sprintf("%q:%s", key, v))
	}
	doc := `{"profiles":{"p":{` + strings.Join(members, ",") + `}}}`
	if _, ok := parseFast([]byte(doc)); !ok {
		t.Fatalf("parseFast gave up on a profile with every key:\n%s", doc)
	}
	checkParseFast(t, []byte(doc))
}

// FuzzParseFast: for any input the fast decode takes, encoding/json gives
// the same File (go test -fuzz FuzzParseFast ./internal/config).
func FuzzParseFast(f *testing.F) {
	for _, in := range fastCases {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkParseFast(t, data) })
}
