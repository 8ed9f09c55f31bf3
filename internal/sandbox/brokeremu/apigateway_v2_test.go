package brokeremu

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// apigwV2Start is an HTTP API (payload 2.0) with the test routes, a
// $default route, a public health route and a stage variable.
func apigwV2Start(t *testing.T, stage string) *apigwFixture {
	t.Helper()
	return apigwStart(t, func(o *APIGatewayOptions) {
		o.PayloadVersion, o.Stage = "2.0", stage
		o.Routes = append(o.Routes, "$default")
		o.PublicRoutes = []string{"GET /health"}
		o.StageVariables = map[string]string{"table": "tip-broker"}
	})
}

// apigwV2Echo answers with the raw event as the body, through aws-lambda-go's
// own 2.0 response type (which also sends multiValueHeaders: null).
func apigwV2Echo(event []byte, _ http.Header) (string, []byte) {
	resp, _ := json.Marshal(events.APIGatewayV2HTTPResponse{StatusCode: 201, Body: string(event),
		Headers: map[string]string{"X-Echo": "1"}, Cookies: []string{"a=1", "b=2; HttpOnly"}})
	return "response", resp
}

// apigwV2Decode decodes an echoed event with aws-lambda-go's type, refusing
// any field the peer type does not know.
func apigwV2Decode(t *testing.T, b []byte) events.APIGatewayV2HTTPRequest {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var ev events.APIGatewayV2HTTPRequest
	if err := dec.Decode(&ev); err != nil {
		t.Fatalf("event %s is not an events.APIGatewayV2HTTPRequest: %v", b, err)
	}
	return ev
}

func TestAPIGatewayV2Event(t *testing.T) {
	t.Parallel()
	fx := apigwV2Start(t, "")
	fx.runRawRuntimes(t, 1, apigwV2Echo)
	creds := fx.roleCreds("App", "app-sess", time.Hour)
	tests := []struct {
		name, method, path, body, contentType, cookie string
		routeKey, rawQuery, wantBody                  string
		query, params                                 map[string]string
		cookies                                       []string
		base64                                        bool
	}{
		{name: "route with query", method: "GET", path: "/credentials?jwt=a.b.c&sp=a%20b&x=1&x=2", // in SigV4's order: the signer sorts it
			routeKey: "GET /credentials", rawQuery: "jwt=a.b.c&sp=a%20b&x=1&x=2", query: map[string]string{"jwt": "a.b.c", "x": "1,2", "sp": "a b"}},
		{name: "json body", method: "POST", path: "/applications", body: `{"AccessRoleName":"r"}`, contentType: "application/json",
			routeKey: "POST /applications", wantBody: `{"AccessRoleName":"r"}`},
		{name: "binary body", method: "POST", path: "/applications", body: "\x00\xff", contentType: "application/octet-stream",
			routeKey: "POST /applications", wantBody: base64.StdEncoding.EncodeToString([]byte("\x00\xff")), base64: true},
		{name: "path parameter", method: "GET", path: "/items/42", routeKey: "GET /items/{id}", params: map[string]string{"id": "42"}},
		{name: "greedy parameter", method: "PUT", path: "/files/a/b.txt", routeKey: "ANY /files/{path+}", params: map[string]string{"path": "a/b.txt"}},
		{name: "default route", method: "PATCH", path: "/nowhere/x", routeKey: "$default"},
		{name: "cookies", method: "DELETE", path: "/applications", cookie: "s=1; t=2", routeKey: "DELETE /applications", cookies: []string{"s=1", "t=2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{"X-Multi": {"1", "2"}}
			if tt.contentType != "" {
				h.Set("Content-Type", tt.contentType)
			}
			if tt.cookie != "" {
				h.Set("Cookie", tt.cookie)
			}
			resp, b := fx.do(t, apigwCall{method: tt.method, path: tt.path, body: tt.body, creds: &creds, header: h})
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("status %d body %s", resp.StatusCode, b)
			}
			ev := apigwV2Decode(t, b)
			rc := ev.RequestContext
			rawPath, _, _ := strings.Cut(tt.path, "?")
			checks := map[string][2]any{
				"version":          {ev.Version, "2.0"},
				"routeKey":         {ev.RouteKey, tt.routeKey},
				"context routeKey": {rc.RouteKey, tt.routeKey},
				"rawPath":          {ev.RawPath, rawPath},
				"http.path":        {rc.HTTP.Path, rawPath},
				"rawQueryString":   {ev.RawQueryString, tt.rawQuery},
				"query":            {apigwJSON(ev.QueryStringParameters), apigwJSON(tt.query)},
				"pathParameters":   {apigwJSON(ev.PathParameters), apigwJSON(tt.params)},
				"cookies":          {apigwJSON(ev.Cookies), apigwJSON(tt.cookies)},
				"cookie header":    {ev.Headers["cookie"], ""},
				"body":             {ev.Body, tt.wantBody},
				"isBase64Encoded":  {ev.IsBase64Encoded, tt.base64},
				"http.method":      {rc.HTTP.Method, tt.method},
				"multi header":     {ev.Headers["x-multi"], "1,2"},
			}
			apigwCheck(t, checks)
		})
	}
}

// TestAPIGatewayV2Context checks the request context and the response
// mapping of one IAM-authorized call.
func TestAPIGatewayV2Context(t *testing.T) {
	t.Parallel()
	fx := apigwV2Start(t, "")
	fx.runRawRuntimes(t, 1, apigwV2Echo)
	creds := fx.roleCreds("App", "app-sess", time.Hour)
	if strings.HasSuffix(fx.g.URL(), "$default") || strings.Count(fx.g.URL(), "/") != 2 {
		t.Errorf("URL() = %q, want no stage segment for $default", fx.g.URL())
	}
	resp, b := fx.do(t, apigwCall{method: "GET", path: "/applications", creds: &creds})
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("X-Echo") != "1" ||
		strings.Join(resp.Header.Values("Set-Cookie"), "|") != "a=1|b=2; HttpOnly" {
		t.Fatalf("response not mapped: %d %v", resp.StatusCode, resp.Header)
	}
	ev := apigwV2Decode(t, b)
	rc := ev.RequestContext
	if rc.Authorizer == nil || rc.Authorizer.IAM == nil {
		t.Fatalf("no authorizer.iam in %s", b)
	}
	iam := rc.Authorizer.IAM
	callerID := awsRoleID(fx.aws.roleARN("App")) + ":app-sess"
	apigwCheck(t, map[string][2]any{
		"accountId":      {rc.AccountID, "123456789012"},
		"apiId":          {rc.APIID, fx.g.apiID},
		"stage":          {rc.Stage, "$default"},
		"requestId":      {rc.RequestID, resp.Header.Get("X-Amzn-RequestId")},
		"domainName":     {rc.DomainName, strings.TrimPrefix(fx.g.URL(), "http://")},
		"domainPrefix":   {rc.DomainPrefix, "127"},
		"protocol":       {rc.HTTP.Protocol, "HTTP/1.1"},
		"sourceIp":       {rc.HTTP.SourceIP, "127.0.0.1"},
		"userAgent":      {rc.HTTP.UserAgent, "Go-http-client/1.1"},
		"timeEpoch":      {rc.TimeEpoch, fx.clock.Now().UnixMilli()},
		"time":           {rc.Time, fx.clock.Now().UTC().Format("02/Jan/2006:15:04:05 -0700")},
		"iam.accessKey":  {iam.AccessKey, creds.AccessKeyID},
		"iam.accountId":  {iam.AccountID, "123456789012"},
		"iam.callerId":   {iam.CallerID, callerID},
		"iam.userId":     {iam.UserID, callerID},
		"iam.userArn":    {iam.UserARN, "arn:aws:sts::123456789012:assumed-role/App/app-sess"},
		"principalOrgId": {iam.PrincipalOrgID, ""},
		"stageVariables": {apigwJSON(ev.StageVariables), `{"table":"tip-broker"}`},
		"host":           {ev.Headers["host"], rc.DomainName},
		"forwarded for":  {ev.Headers["x-forwarded-for"], "127.0.0.1"},
		"authorization":  {strings.HasPrefix(ev.Headers["authorization"], "AWS4-HMAC-SHA256 "), true},
		"trace":          {strings.HasPrefix(ev.Headers["x-amzn-trace-id"], "Root=1-"), true},
	})
	for k := range ev.Headers {
		if k != strings.ToLower(k) {
			t.Errorf("header %q is not lower-case", k)
		}
	}
}

// TestAPIGatewayV2Stages: a named stage prefixes the URL and the raw path
// (HTTP APIs keep it there) but not the route key; a public route takes
// unsigned calls and sends no authorizer.
func TestAPIGatewayV2Stages(t *testing.T) {
	t.Parallel()
	fx := apigwV2Start(t, "prod")
	fx.runRawRuntimes(t, 1, apigwV2Echo)
	if !strings.HasSuffix(fx.g.URL(), "/prod") {
		t.Errorf("URL() = %q", fx.g.URL())
	}
	creds := fx.roleCreds("App", "s", time.Hour)
	tests := []struct {
		name, path, routeKey, rawPath string
		signed, authorizer            bool
	}{
		{"named stage", "/prod/applications", "GET /applications", "/prod/applications", true, true},
		{"public route unsigned", "/prod/health", "GET /health", "/prod/health", false, false},
		{"public route signed", "/prod/health", "GET /health", "/prod/health", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := apigwCall{method: "GET", path: tt.path}
			if tt.signed {
				c.creds = &creds
			}
			resp, b := fx.do(t, c)
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("status %d body %s", resp.StatusCode, b)
			}
			ev := apigwV2Decode(t, b)
			apigwCheck(t, map[string][2]any{
				"routeKey":   {ev.RouteKey, tt.routeKey},
				"rawPath":    {ev.RawPath, tt.rawPath},
				"stage":      {ev.RequestContext.Stage, "prod"},
				"authorizer": {ev.RequestContext.Authorizer != nil, tt.authorizer},
			})
		})
	}
	if resp, b := fx.do(t, apigwCall{method: "GET", path: "/prod/applications"}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("unsigned call to an IAM route: %d %s", resp.StatusCode, b)
	}
}

func TestAPIGatewayV2Responses(t *testing.T) {
	t.Parallel()
	fx := apigwV2Start(t, "")
	fx.runRawRuntimes(t, 1, func(event []byte, _ http.Header) (string, []byte) {
		var ev events.APIGatewayV2HTTPRequest
		_ = json.Unmarshal(event, &ev)
		return "response", []byte(ev.Body) // the client's body is the function's answer
	})
	creds := fx.roleCreds("App", "s", time.Hour)
	tests := []struct {
		name, answer, status, contentType, body string
		cookies                                 string
	}{
		{name: "structured", answer: `{"statusCode":404,"headers":{"Content-Type":"text/plain","X-A":"1"},"body":"gone","cookies":["c=1","d=2"]}`,
			status: "404", contentType: "text/plain", body: "gone", cookies: "c=1|d=2"},
		{name: "base64 body", answer: `{"statusCode":200,"body":"aGk=","isBase64Encoded":true}`, status: "200", contentType: "application/json", body: "hi"},
		{name: "lambda-go with nulls", answer: `{"statusCode":202,"headers":null,"multiValueHeaders":null,"body":"","cookies":null}`, status: "202", contentType: "application/json"},
		{name: "object without statusCode", answer: `{"message":"hello"}`, status: "200", contentType: "application/json", body: `{"message":"hello"}`},
		{name: "json string", answer: `"hello"`, status: "200", contentType: "application/json", body: "hello"},
		{name: "json array", answer: `[1,2]`, status: "200", contentType: "application/json", body: "[1,2]"},
		{name: "not json", answer: `hello`, status: "500", contentType: "application/json", body: "{\"message\":\"Internal Server Error\"}\n"},
		{name: "status out of range", answer: `{"statusCode":42}`, status: "500", contentType: "application/json", body: "{\"message\":\"Internal Server Error\"}\n"},
		{name: "status not a number", answer: `{"statusCode":"200"}`, status: "500", contentType: "application/json", body: "{\"message\":\"Internal Server Error\"}\n"},
		{name: "bad base64", answer: `{"statusCode":200,"body":"%%","isBase64Encoded":true}`, status: "500", contentType: "application/json", body: "{\"message\":\"Internal Server Error\"}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, b := fx.do(t, apigwCall{method: "POST", path: "/applications", body: tt.answer, creds: &creds,
				header: http.Header{"Content-Type": {"application/json"}}})
			apigwCheck(t, map[string][2]any{
				"status":       {resp.Status[:3], tt.status},
				"content type": {resp.Header.Get("Content-Type"), tt.contentType},
				"body":         {string(b), tt.body},
				"cookies":      {strings.Join(resp.Header.Values("Set-Cookie"), "|"), tt.cookies},
			})
		})
	}
}

// TestAPIGatewayPayloadVersion: 1.0 stays the default (REST API events,
// the prod stage); anything but 1.0 and 2.0 is refused, and $default is
// only an HTTP API route.
func TestAPIGatewayPayloadVersion(t *testing.T) {
	t.Parallel()
	for _, version := range []string{"", "1.0"} {
		fx := apigwStart(t, func(o *APIGatewayOptions) { o.PayloadVersion = version })
		fx.runRawRuntimes(t, 1, func(event []byte, _ http.Header) (string, []byte) {
			resp, _ := json.Marshal(events.APIGatewayProxyResponse{StatusCode: 201, Body: string(event)})
			return "response", resp
		})
		creds := fx.roleCreds("App", "s", time.Hour)
		resp, b := fx.do(t, apigwCall{method: "GET", path: "/prod/items/7", creds: &creds})
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil || resp.StatusCode != http.StatusCreated {
			t.Fatalf("version %q: %d %s", version, resp.StatusCode, b)
		}
		var ev events.APIGatewayProxyRequest
		_ = json.Unmarshal(b, &ev)
		if raw["version"] != nil || raw["routeKey"] != nil || ev.Resource != "/items/{id}" || ev.RequestContext.Identity.UserArn == "" {
			t.Errorf("version %q: not a 1.0 event: %s", version, b)
		}
	}
	fx := apigwStart(t, nil)
	for _, o := range []APIGatewayOptions{
		{AWS: fx.aws, PayloadVersion: "3.0"},
		{AWS: fx.aws, PayloadVersion: "2"},
		{AWS: fx.aws, Routes: []string{"$default"}},
	} {
		if g, err := NewAPIGateway(o); err == nil {
			g.Close()
			t.Errorf("NewAPIGateway(%+v) accepted", o)
		}
	}
}

// apigwJSON renders v for comparison (nil and empty maps differ).
func apigwJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func apigwCheck(t *testing.T, checks map[string][2]any) {
	t.Helper()
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %v, want %v", name, c[0], c[1])
		}
	}
}

func FuzzAPIGatewayV2Response(f *testing.F) {
	f.Add([]byte(`{"statusCode":200,"headers":{"a":"b"},"cookies":["c=1"],"body":"aGk=","isBase64Encoded":true}`))
	f.Add([]byte(`{"message":"x"}`))
	f.Add([]byte(`"s"`))
	f.Add([]byte(`{"statusCode":null}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		status, h, _, err := apigwParseV2Response(payload)
		if err != nil {
			return
		}
		if status < 100 || status > 599 || h == nil {
			t.Fatalf("%q: status %d header %v", payload, status, h)
		}
	})
}
