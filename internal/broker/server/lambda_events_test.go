package server_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tip-cli/tip-cli/internal/broker/registry/registrytest"
)

// lambdaAnswer is the part of either response format the tests read.
type lambdaAnswer struct {
	StatusCode int               `json:"statusCode"`
	Headers    map[string]string `json:"headers"`
	Body       string            `json:"body"`
}

// invoke sends ev through HandleLambdaEvent as Lambda would: JSON in, JSON out.
func (f *fixture) invoke(t *testing.T, ev any) lambdaAnswer {
	t.Helper()
	raw, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	out, err := f.svc.HandleLambdaEvent(context.Background(), raw)
	if err != nil {
		t.Fatalf("HandleLambdaEvent: %v", err)
	}
	b, _ := json.Marshal(out)
	var a lambdaAnswer
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	return a
}

func httpAPIEvent(routeKey, rawPath, rawQuery, stage, arn, body string) events.APIGatewayV2HTTPRequest {
	ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: routeKey, RawPath: rawPath, RawQueryString: rawQuery, Body: body}
	ev.RequestContext.RequestID, ev.RequestContext.Stage = "req-v2", stage
	method, _, _ := strings.Cut(routeKey, " ")
	if routeKey == "$default" {
		method = "GET" // the $default cases of the table are GETs
	}
	ev.RequestContext.HTTP.Method, ev.RequestContext.HTTP.SourceIP = method, "192.0.2.7"
	if arn != "" {
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			IAM: &events.APIGatewayV2HTTPRequestContextAuthorizerIAMDescription{UserARN: arn}}
	}
	return ev
}

// proxyRoute gives an ANY route's event the method GET and, when set, the
// proxy parameter (the path below the route's prefix). Before, such a route
// key was routed as the literal "/{proxy+}": every call of an HTTP API with
// a proxy route answered 404.
func proxyRoute(ev events.APIGatewayV2HTTPRequest, proxy string) events.APIGatewayV2HTTPRequest {
	ev.RequestContext.HTTP.Method = "GET"
	if proxy != "" {
		ev.PathParameters = map[string]string{"proxy": proxy}
	}
	return ev
}

// TestHTTPAPIEvents: the payload format 2.0 events of an HTTP API (what
// the original sample deploys) register, issue credentials and
// deregister; before, such an event answered a misleading 401.
func TestHTTPAPIEvents(t *testing.T) {
	f := newFixture(t, registrytest.NewMemory())
	reg, _ := json.Marshal(f.registration())
	if a := f.invoke(t, httpAPIEvent("POST /applications", "/applications", "", "$default", f.app.ARN, string(reg))); a.StatusCode != 201 {
		t.Fatalf("register: %+v", a)
	}
	tok, _ := f.sc.TenantToken("alice", "Yellow")
	a := f.invoke(t, httpAPIEvent("GET /credentials", "/credentials", "jwt="+url.QueryEscape(tok), "$default", f.app.ARN, ""))
	var c struct{ AccessKeyId, SecretAccessKey, SessionToken string }
	if a.StatusCode != 200 || json.Unmarshal([]byte(a.Body), &c) != nil || c.AccessKeyId == "" || a.Headers["Cache-Control"] != "no-store" {
		t.Fatalf("credentials: %+v", a)
	}
	if status, _, _ := f.sc.ReadObject(context.Background(), awsCredsOf(c.AccessKeyId, c.SecretAccessKey, c.SessionToken), "Yellow/report.csv"); status != 200 {
		t.Fatalf("Yellow reads its prefix: %d", status)
	}
	cases := []struct {
		name string
		ev   events.APIGatewayV2HTTPRequest
		want int
	}{
		{"$default route below a stage", httpAPIEvent("$default", "/prod/applications", "", "prod", f.app.ARN, ""), 200},
		{"jwt twice", httpAPIEvent("GET /credentials", "/credentials", "jwt=a&jwt=b", "$default", f.app.ARN, ""), 400},
		{"no IAM authorizer", httpAPIEvent("GET /applications", "/applications", "", "$default", "", ""), 401},
		{"health without auth", httpAPIEvent("GET /health", "/health", "", "$default", "", ""), 200},
		{"proxy route below a base path", proxyRoute(httpAPIEvent("ANY /{proxy+}", "/base/applications", "", "$default", f.app.ARN, ""), "applications"), 200},
		{"parameter route, no proxy parameter", proxyRoute(httpAPIEvent("ANY /{path+}", "/prod/health", "", "prod", "", ""), ""), 200},
		{"deregister", httpAPIEvent("DELETE /applications", "/applications", "", "$default", f.app.ARN, ""), 204},
	}
	for _, tc := range cases {
		if a := f.invoke(t, tc.ev); a.StatusCode != tc.want {
			t.Errorf("%s: %+v, want %d", tc.name, a, tc.want)
		}
	}
}

// TestRESTEventsRouteOnResource: a custom domain's base path (or the
// stage) in the raw path does not change the route; API Gateway's
// resource does.
func TestRESTEventsRouteOnResource(t *testing.T) {
	f := newFixture(t, registrytest.NewMemory())
	f.register(t)
	for _, path := range []string{"/applications", "/prod/applications", "/broker/v1/applications"} {
		ev := events.APIGatewayProxyRequest{HTTPMethod: "GET", Resource: "/applications", Path: path}
		ev.RequestContext.RequestID, ev.RequestContext.Identity.UserArn = "req-1", f.app.ARN
		if a := f.invoke(t, ev); a.StatusCode != 200 {
			t.Errorf("path %s: %+v", path, a)
		}
	}
	proxy := events.APIGatewayProxyRequest{HTTPMethod: "GET", Resource: "/{proxy+}", Path: "/base/applications",
		PathParameters: map[string]string{"proxy": "applications"}}
	proxy.RequestContext.Identity.UserArn = f.app.ARN
	if a := f.invoke(t, proxy); a.StatusCode != 200 {
		t.Errorf("proxy resource: %+v", a)
	}
	health := events.APIGatewayProxyRequest{HTTPMethod: "GET", Resource: "/health", Path: "/prod/health"}
	if a := f.invoke(t, health); a.StatusCode != 200 || a.Body != `{"status":"ok"}` {
		t.Errorf("health: %+v", a)
	}
}

func awsCredsOf(id, secret, token string) aws.Credentials {
	return aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: token}
}

// TestAccessPrincipalRoleName: the newer sample's field name registers the
// same access role; naming two different roles is refused.
func TestAccessPrincipalRoleName(t *testing.T) {
	f := newFixture(t, registrytest.NewMemory())
	body := map[string]string{"AccessPrincipalRoleName": "tenant-access", "SessionTagKey": "TenantID",
		"JWTClaimName": "TenantID", "JWKSetURL": f.sc.App.JWKSURL()}
	if r := f.do(t, f.app, "POST", "/applications", nil, body); r.Status != 201 || !strings.Contains(string(r.Body), `"AccessRoleName":"tenant-access"`) {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	body["AccessRoleName"] = "other-role"
	if r := f.do(t, f.app, "POST", "/applications", nil, body); r.Status != 400 {
		t.Fatalf("two role names: %d %s", r.Status, r.Body)
	}
}
