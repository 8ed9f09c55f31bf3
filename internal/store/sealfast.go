package store

import (
	"encoding/json"

	"github.com/tip-cli/tip-cli/internal/jsonscan"
)

// The keyring store's warm path decodes a sealed file's envelope and its
// served section without reflection, as the file store's does
// (fileserved.go; issue #23): encoding/json's first decodes of these types
// were 0.6 M of the lean binary's 1.5 M instructions on a warm call, the
// AES-GCM open a small part of the rest. Whatever the fast
// decode does not take goes to encoding/json, which defines the result
// (TestDecodeSealedFastMatchesEncodingJSON,
// TestDecodeServedSectionFastMatchesEncodingJSON and their fuzz targets
// keep the two equal).

// decodeSealed decodes a sealed file's envelope as json.Unmarshal into a
// sealedFile does; false where encoding/json refuses it.
func decodeSealed(data []byte) (sealedFile, bool) {
	if f, ok := decodeSealedFast(data); ok {
		return f, true
	}
	var f sealedFile
	return f, json.Unmarshal(data, &f) == nil
}

// decodeSealedFast decodes data as json.Unmarshal into a sealedFile would,
// or returns ok=false (jsonscan's plain subset, the envelope's own keys
// only; a partly filled f is then dropped by the caller).
func decodeSealedFast(data []byte) (f sealedFile, ok bool) {
	s := jsonscan.New(data)
	ok = s.Object(func(key string) bool {
		var ok bool
		switch key {
		case "format":
			f.Format, ok = s.String()
		case "version":
			f.Version, ok = s.Int()
		case "profile":
			f.Profile, ok = s.String()
		case "served":
			f.Served, ok = s.Bytes()
		case "secret":
			f.Secret, ok = s.Bytes()
		}
		return ok
	})
	return f, ok && s.End()
}

// decodeServedSection decodes an opened served section as json.Unmarshal
// into a Served does; nil where encoding/json refuses it.
func decodeServedSection(plain []byte) *Served {
	if sv, ok := decodeServedSectionFast(plain); ok {
		return &sv
	}
	var sv Served
	if err := json.Unmarshal(plain, &sv); err != nil {
		return nil
	}
	return &sv
}

// decodeServedSectionFast decodes plain as json.Unmarshal into a Served
// would, or returns ok=false. Served.decodeField skips "idp" and
// "presented", which encoding/json ignores in a Served as well.
func decodeServedSectionFast(plain []byte) (sv Served, ok bool) {
	s := jsonscan.New(plain)
	ok = s.Object(func(key string) bool { return sv.decodeField(s, key) })
	return sv, ok && s.End()
}
