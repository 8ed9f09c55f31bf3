package awsemu

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strings"
)

// awsProto is the wire protocol of an emulated operation.
type awsProto int

const (
	awsProtoQuery    awsProto = iota // STS awsQuery
	awsProtoRestJSON                 // SSO OIDC restJson1
	awsProtoRestXML                  // S3 Control restXml
	awsProtoJSON                     // awsJson1_1 (SSO Admin, IdentityStore)
	awsProtoFed                      // console federation endpoint
)

// awsAuthFailure classifies a SigV4 verification failure.
type awsAuthFailure int

const (
	awsAuthMissing   awsAuthFailure = iota // no/unsupported Authorization
	awsAuthUnknown                         // unknown key id or session token
	awsAuthSignature                       // signature or scope mismatch
	awsAuthExpired                         // credentials expired
)

// awsAuthError is a SigV4 verification failure (not an error value: the
// emulator answers it, see Message).
type awsAuthError struct {
	kind    awsAuthFailure
	message string
}

// awsAuthCode returns the status and error code AWS uses for a SigV4
// failure in proto.
func awsAuthCode(proto awsProto, kind awsAuthFailure) (int, string) {
	codes := map[awsProto][4]string{
		awsProtoQuery:    {"MissingAuthenticationToken", "InvalidClientTokenId", "SignatureDoesNotMatch", "ExpiredToken"},
		awsProtoRestJSON: {"MissingAuthenticationTokenException", "UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException"},
		awsProtoJSON:     {"MissingAuthenticationTokenException", "UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException"},
		awsProtoRestXML:  {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken"},
	}
	status := http.StatusForbidden
	if proto == awsProtoRestXML && kind == awsAuthExpired {
		status = http.StatusBadRequest // S3 answers ExpiredToken with 400
	}
	return status, codes[proto][kind]
}

// writeError writes an AWS error in the wire shape of proto.
func awsWriteError(w http.ResponseWriter, proto awsProto, status int, code, message string) {
	switch proto {
	case awsProtoQuery:
		stsWriteError(w, status, code, message)
	case awsProtoRestJSON:
		extra := map[string]any{"error": oidcsvcErrorName(code), "error_description": message}
		awsWriteJSONError(w, "application/json", status, code, message, extra)
	case awsProtoJSON:
		awsWriteJSONError(w, "application/x-amz-json-1.1", status, code, message, nil)
	case awsProtoRestXML:
		s3cWriteError(w, status, code, message)
	default:
		fedWriteError(w, status, code, message)
	}
}

// awsWriteJSONError writes a JSON error with the X-Amzn-ErrorType header.
func awsWriteJSONError(w http.ResponseWriter, contentType string, status int, code, message string, extra map[string]any) {
	body := map[string]any{"__type": code, "message": message}
	for k, v := range extra {
		body[k] = v
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Amzn-ErrorType", code)
	w.Header().Set("X-Amzn-RequestId", awsRequestID())
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// awsWriteJSON writes a JSON success response.
func awsWriteJSON(w http.ResponseWriter, contentType string, v any) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Amzn-RequestId", awsRequestID())
	_ = json.NewEncoder(w).Encode(v)
}

// oidcsvcErrorName turns InvalidGrantException into invalid_grant.
func oidcsvcErrorName(code string) string {
	code = strings.TrimSuffix(code, "Exception")
	var b strings.Builder
	for i, r := range code {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
		}
		b.WriteRune(r)
	}
	return strings.ToLower(b.String())
}

// stsWriteError writes an STS awsQuery ErrorResponse.
func stsWriteError(w http.ResponseWriter, status int, code, message string) {
	queryWriteError(w, stsXMLNS, status, code, message)
}

// queryWriteError writes an awsQuery ErrorResponse (STS, IAM) in namespace xmlns.
func queryWriteError(w http.ResponseWriter, xmlns string, status int, code, message string) {
	typ := "Sender"
	if status >= 500 {
		typ = "Receiver"
	}
	type errXML struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	v := struct {
		XMLName   xml.Name `xml:"ErrorResponse"`
		Xmlns     string   `xml:"xmlns,attr"`
		Error     errXML   `xml:"Error"`
		RequestID string   `xml:"RequestId"`
	}{Xmlns: xmlns, Error: errXML{typ, code, message}, RequestID: awsRequestID()}
	awsWriteXML(w, status, v)
}

// s3cWriteError writes an S3 Control error (the <Error> wrapper is required).
func s3cWriteError(w http.ResponseWriter, status int, code, message string) {
	type errXML struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	v := struct {
		XMLName   xml.Name `xml:"ErrorResponse"`
		Error     errXML   `xml:"Error"`
		RequestID string   `xml:"RequestId"`
		HostID    string   `xml:"HostId"`
	}{Error: errXML{code, message}, RequestID: awsRequestID(), HostID: awsRandom(awsSecretSet, 56)}
	awsWriteXML(w, status, v)
}

// fedWriteError writes a federation endpoint error: {"Code","Message"}.
func fedWriteError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"Code": code, "Message": message})
}

// awsWriteXML writes an XML document.
func awsWriteXML(w http.ResponseWriter, status int, v any) {
	b, err := xml.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-RequestId", awsRequestID())
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(b)
}

// awsRequestID returns a random request id.
func awsRequestID() string {
	s := awsRandom("0123456789abcdef", 32)
	return s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}
