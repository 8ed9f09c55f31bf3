package server

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzParseLambdaEvent: any event API Gateway (or anything able to invoke
// the function) sends decodes or fails without a panic; a decoded event
// keeps the query exactly once per value (jwt given twice stays twice).
func FuzzParseLambdaEvent(f *testing.F) {
	f.Add([]byte(`{"version":"2.0","routeKey":"GET /credentials","rawPath":"/credentials","rawQueryString":"jwt=a&jwt=b",` +
		`"requestContext":{"http":{"method":"GET"},"authorizer":{"iam":{"userArn":"arn:aws:sts::1:assumed-role/a/b"}}}}`))
	f.Add([]byte(`{"version":"2.0","routeKey":"$default","rawPath":"/prod/applications","requestContext":{"stage":"prod"}}`))
	f.Add([]byte(`{"resource":"/{proxy+}","path":"/x/applications","httpMethod":"GET","pathParameters":{"proxy":"applications"}}`))
	f.Add([]byte(`{"resource":"/applications","httpMethod":"POST","body":"e30=","isBase64Encoded":true}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		ev, v2, err := parseLambdaEvent(json.RawMessage(raw))
		if err != nil || !v2 {
			return
		}
		var e struct {
			RawQueryString string `json:"rawQueryString"`
		}
		if json.Unmarshal(raw, &e) == nil && strings.Count(e.RawQueryString, "jwt=") == 2 &&
			!strings.Contains(e.RawQueryString, "%") && !strings.Contains(e.RawQueryString, ";") && len(ev.query["jwt"]) < 2 &&
			strings.HasPrefix(e.RawQueryString, "jwt=") && strings.Contains(e.RawQueryString, "&jwt=") {
			t.Fatalf("query %q decoded to jwt %q", e.RawQueryString, ev.query["jwt"])
		}
	})
}
