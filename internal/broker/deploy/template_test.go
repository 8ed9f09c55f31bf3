package deploy

import (
	"flag"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tip-cli/tip-cli/internal/broker/api"
	"github.com/tip-cli/tip-cli/internal/cfn/cfntest"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

func customOpts() Options {
	return Options{
		CodeS3Bucket:      "tip-broker-artifacts",
		CodeS3Key:         "releases/v1.2.3/tip-broker-linux-x86_64.zip",
		TableName:         "tip-broker-registry",
		Architecture:      ArchX8664,
		MemorySize:        512,
		Stage:             "v1",
		ThrottleRate:      20.5,
		ThrottleBurst:     40,
		AllowedAccountIDs: []string{"111122223333", "444455556666"},
	}
}

func TestGolden(t *testing.T) {
	tests := []struct {
		golden string
		opts   Options
	}{
		{"default.yaml", Options{}},
		{"default.json", Options{}},
		{"custom.yaml", customOpts()},
		{"custom.json", customOpts()},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			cfntest.Golden(t, tt.golden, func() (cfntest.Encoder, error) { return Template(tt.opts) }, *update)
		})
	}
}

// parse builds the template and reads its YAML back as generic data.
func parse(t *testing.T, o Options) map[string]any {
	t.Helper()
	d, err := Template(o)
	if err != nil {
		t.Fatal(err)
	}
	return cfntest.ParseYAML(t, d)
}

// ofType returns the logical ids of the resources of type typ.
func ofType(res map[string]any, typ string) []string {
	var ids []string
	for id, r := range res {
		if r.(map[string]any)["Type"] == typ {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// TestMethods: the template deploys exactly the routes of the broker's
// route table (api.Routes), each as an AWS_PROXY method on a top-level
// resource, AWS_IAM unless the table marks it public.
func TestMethods(t *testing.T) {
	for _, o := range []Options{{}, customOpts()} {
		res := parse(t, o)["Resources"].(map[string]any)
		for _, id := range ofType(res, "AWS::ApiGateway::Method") {
			p := cfntest.Get(t, res, id, "Properties")
			in := cfntest.Get(t, p, "Integration")
			if cfntest.Get(t, in, "Type") != "AWS_PROXY" || cfntest.Get(t, in, "IntegrationHttpMethod") != "POST" {
				t.Errorf("%s integration = %v", id, in)
			}
			wantURI := cfntest.Sub("arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${BrokerFunction.Arn}/invocations")
			if !reflect.DeepEqual(cfntest.Get(t, in, "Uri"), wantURI) {
				t.Errorf("%s Uri = %v", id, cfntest.Get(t, in, "Uri"))
			}
			resID := cfntest.Get(t, p, "ResourceId", "Ref").(string)
			if !reflect.DeepEqual(cfntest.Get(t, res, resID, "Properties", "ParentId"), cfntest.GetAtt(LogicalRestAPI, "RootResourceId")) {
				t.Errorf("%s is not a top-level path", resID)
			}
		}
		for _, problem := range routeProblems(t, res, api.Routes()) {
			t.Error(problem)
		}
		if got := cfntest.Strs(t, cfntest.Get(t, res, LogicalRestAPI, "Properties", "EndpointConfiguration", "Types")); !slices.Equal(got, []string{"REGIONAL"}) {
			t.Errorf("endpoint types = %v", got)
		}
	}
}

// routeProblems compares the template's methods with the route table:
// a route not deployed, deployed with the wrong authorization, or a
// method no route asks for.
func routeProblems(t *testing.T, res map[string]any, table []api.Route) []string {
	t.Helper()
	deployed := map[string]string{} // route key → AuthorizationType
	for _, id := range ofType(res, "AWS::ApiGateway::Method") {
		p := cfntest.Get(t, res, id, "Properties")
		resID := cfntest.Get(t, p, "ResourceId", "Ref").(string)
		key := cfntest.Get(t, p, "HttpMethod").(string) + " /" + cfntest.Get(t, res, resID, "Properties", "PathPart").(string)
		deployed[key] = cfntest.Get(t, p, "AuthorizationType").(string)
	}
	var problems []string
	for _, r := range table {
		want := "AWS_IAM"
		if r.Public {
			want = "NONE"
		}
		switch auth, ok := deployed[r.Key()]; {
		case !ok:
			problems = append(problems, "route "+r.Key()+" is not deployed: Lambda mode would answer it 403 Missing Authentication Token")
		case auth != want:
			problems = append(problems, "route "+r.Key()+" is deployed with "+auth+", want "+want)
		}
		delete(deployed, r.Key())
	}
	for key := range deployed {
		problems = append(problems, "method "+key+" is deployed but is no route of the table")
	}
	return problems
}

// TestMissingRouteFails: the route check fails for a template that lacks
// one of the table's routes (deleted here from the generated one, or
// added to the table), and for a method no route asks for.
func TestMissingRouteFails(t *testing.T) {
	res := parse(t, Options{})["Resources"].(map[string]any)
	delete(res, "CredentialsGetMethod")
	if got := routeProblems(t, res, api.Routes()); len(got) != 1 || !strings.Contains(got[0], "GET /credentials is not deployed") {
		t.Fatalf("template without GET /credentials: problems %q", got)
	}
	table := append(api.Routes(), api.Route{Op: "Export", Method: "GET", Path: "/export"})
	if got := routeProblems(t, parse(t, Options{})["Resources"].(map[string]any), table); len(got) != 1 || !strings.Contains(got[0], "GET /export") {
		t.Fatalf("a table route the template lacks: problems %q", got)
	}
	table = api.Routes()[:len(api.Routes())-1] // without the health check
	if got := routeProblems(t, parse(t, Options{})["Resources"].(map[string]any), table); len(got) != 1 || !strings.Contains(got[0], "GET /health is deployed") {
		t.Fatalf("a method no route asks for: problems %q", got)
	}
}

func TestDeploymentOrdering(t *testing.T) {
	for _, o := range []Options{{}, customOpts()} {
		m := parse(t, o)
		res := m["Resources"].(map[string]any)
		deps := ofType(res, "AWS::ApiGateway::Deployment")
		if len(deps) != 1 || !regexp.MustCompile(`^BrokerDeployment[0-9a-f]{10}$`).MatchString(deps[0]) {
			t.Fatalf("deployments = %v", deps)
		}
		got := cfntest.Strs(t, cfntest.Get(t, res, deps[0], "DependsOn"))
		slices.Sort(got)
		if want := ofType(res, "AWS::ApiGateway::Method"); !slices.Equal(got, want) {
			t.Errorf("deployment DependsOn = %v, want every method %v", got, want)
		}
		stage := cfntest.Get(t, res, LogicalStage, "Properties")
		if !reflect.DeepEqual(cfntest.Get(t, stage, "DeploymentId"), cfntest.Ref(deps[0])) {
			t.Errorf("stage DeploymentId = %v", cfntest.Get(t, stage, "DeploymentId"))
		}
		ms := cfntest.Get(t, stage, "MethodSettings", 0)
		if cfntest.Get(t, ms, "ResourcePath") != "/*" || cfntest.Get(t, ms, "HttpMethod") != "*" ||
			cfntest.Get(t, ms, "ThrottlingBurstLimit").(int) <= 0 {
			t.Errorf("stage throttling = %v", ms)
		}
		cfntest.CheckRefs(t, m)
	}
}

// TestDeploymentIDFollowsAPI: a changed API definition gets a new
// deployment; a change elsewhere keeps it.
func TestDeploymentIDFollowsAPI(t *testing.T) {
	id := func(o Options) string {
		return ofType(parse(t, o)["Resources"].(map[string]any), "AWS::ApiGateway::Deployment")[0]
	}
	base := id(Options{})
	if id(Options{MemorySize: 1024, TableName: "other", Stage: "dev"}) != base {
		t.Error("deployment id changed without an API change")
	}
	if id(Options{AllowedAccountIDs: []string{"111122223333"}}) == base {
		t.Error("deployment id kept although the API resource policy changed")
	}
}

func TestPermissionScoped(t *testing.T) {
	res := parse(t, Options{})["Resources"].(map[string]any)
	p := cfntest.Get(t, res, LogicalPermission, "Properties")
	if cfntest.Get(t, p, "Principal") != "apigateway.amazonaws.com" || cfntest.Get(t, p, "Action") != "lambda:InvokeFunction" {
		t.Errorf("permission = %v", p)
	}
	want := cfntest.Sub("arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${BrokerApi}/*/*/*")
	if !reflect.DeepEqual(cfntest.Get(t, p, "SourceArn"), want) {
		t.Errorf("SourceArn = %v, want %v", cfntest.Get(t, p, "SourceArn"), want)
	}
	if !reflect.DeepEqual(cfntest.Get(t, p, "FunctionName"), cfntest.GetAtt(LogicalFunction, "Arn")) {
		t.Errorf("FunctionName = %v", cfntest.Get(t, p, "FunctionName"))
	}
}

// TestNoWildcardPrincipal walks every Principal of every policy.
func TestNoWildcardPrincipal(t *testing.T) {
	for _, o := range []Options{{}, customOpts()} {
		n, bad := principals(parse(t, o))
		if n < 2 { // broker role trust, Lambda permission (and the API policy)
			t.Errorf("found %d principals", n)
		}
		if len(bad) > 0 {
			t.Errorf("wildcard principals: %v", bad)
		}
	}
	// The check itself finds a wildcard.
	doc := map[string]any{"Statement": []any{map[string]any{"Principal": map[string]any{"AWS": []any{"arn:aws:iam::1:root", "*"}}}}}
	if n, bad := principals(doc); n != 1 || len(bad) != 1 {
		t.Errorf("principals(%v) = %d, %v; want the wildcard reported", doc, n, bad)
	}
}

// principals counts the Principal entries under v and returns those that
// contain a "*" anywhere.
func principals(v any) (n int, bad []any) {
	cfntest.Walk(v, func(key string, p any) {
		if key != "Principal" {
			return
		}
		n++
		all := []any{p}
		cfntest.Walk(p, func(_ string, inner any) { all = append(all, inner) })
		for _, e := range all {
			if s, ok := e.(string); ok && strings.Contains(s, "*") {
				bad = append(bad, p)
				return
			}
		}
	})
	return n, bad
}
