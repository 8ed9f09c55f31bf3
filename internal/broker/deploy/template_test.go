package deploy

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
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

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run go test ./internal/broker/deploy -update): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file (run go test ./internal/broker/deploy -update and review)\n got:\n%s", name, got)
	}
}

func TestGolden(t *testing.T) {
	tests := []struct {
		golden string
		opts   Options
		json   bool
	}{
		{"default.yaml", Options{}, false},
		{"default.json", Options{}, true},
		{"custom.yaml", customOpts(), false},
		{"custom.json", customOpts(), true},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			d, err := Template(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			encode := (*Document).YAML
			if tt.json {
				encode = (*Document).JSON
			}
			got, err := encode(d)
			if err != nil {
				t.Fatal(err)
			}
			d2, _ := Template(tt.opts)
			again, _ := encode(d2)
			if !bytes.Equal(got, again) {
				t.Fatal("template is not deterministic")
			}
			if bytes.Contains(got, []byte("!Ref")) || bytes.Contains(got, []byte("!Sub")) || bytes.Contains(got, []byte("!GetAtt")) {
				t.Error("output uses YAML short tags")
			}
			checkGolden(t, tt.golden, got)
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
	y, err := d.YAML()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(y, &m); err != nil {
		t.Fatalf("yaml does not parse back: %v", err)
	}
	return m
}

// get walks maps by key and lists by int index.
func get(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("at %v: %T is not a mapping", path, v)
			}
			if v, ok = m[k]; !ok {
				t.Fatalf("missing key %q in path %v", k, path)
			}
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("at %v: no element %d in %T", path, k, v)
			}
			v = l[k]
		}
	}
	return v
}

func strs(t *testing.T, v any) []string {
	t.Helper()
	l, ok := v.([]any)
	if !ok {
		t.Fatalf("%v is not a list", v)
	}
	out := make([]string, len(l))
	for i, e := range l {
		out[i], _ = e.(string)
	}
	return out
}

func sub(s string) map[string]any        { return map[string]any{"Fn::Sub": s} }
func ref(id string) map[string]any       { return map[string]any{"Ref": id} }
func getAtt(id, a string) map[string]any { return map[string]any{"Fn::GetAtt": []any{id, a}} }

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

func TestMethods(t *testing.T) {
	for _, o := range []Options{{}, customOpts()} {
		res := parse(t, o)["Resources"].(map[string]any)
		var routes []string
		for _, id := range ofType(res, "AWS::ApiGateway::Method") {
			p := get(t, res, id, "Properties")
			if get(t, p, "AuthorizationType") != "AWS_IAM" {
				t.Errorf("%s AuthorizationType = %v, want AWS_IAM", id, get(t, p, "AuthorizationType"))
			}
			in := get(t, p, "Integration")
			if get(t, in, "Type") != "AWS_PROXY" || get(t, in, "IntegrationHttpMethod") != "POST" {
				t.Errorf("%s integration = %v", id, in)
			}
			wantURI := sub("arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${BrokerFunction.Arn}/invocations")
			if !reflect.DeepEqual(get(t, in, "Uri"), wantURI) {
				t.Errorf("%s Uri = %v", id, get(t, in, "Uri"))
			}
			resID := get(t, p, "ResourceId", "Ref").(string)
			if !reflect.DeepEqual(get(t, res, resID, "Properties", "ParentId"), getAtt(LogicalRestAPI, "RootResourceId")) {
				t.Errorf("%s is not a top-level path", resID)
			}
			routes = append(routes, get(t, p, "HttpMethod").(string)+" /"+get(t, res, resID, "Properties", "PathPart").(string))
		}
		slices.Sort(routes)
		want := []string{"DELETE /applications", "GET /applications", "GET /credentials", "POST /applications"}
		if !slices.Equal(routes, want) {
			t.Errorf("routes = %v, want %v", routes, want)
		}
		if got := strs(t, get(t, res, LogicalRestAPI, "Properties", "EndpointConfiguration", "Types")); !slices.Equal(got, []string{"REGIONAL"}) {
			t.Errorf("endpoint types = %v", got)
		}
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
		got := strs(t, get(t, res, deps[0], "DependsOn"))
		slices.Sort(got)
		if want := ofType(res, "AWS::ApiGateway::Method"); !slices.Equal(got, want) {
			t.Errorf("deployment DependsOn = %v, want every method %v", got, want)
		}
		stage := get(t, res, LogicalStage, "Properties")
		if !reflect.DeepEqual(get(t, stage, "DeploymentId"), ref(deps[0])) {
			t.Errorf("stage DeploymentId = %v", get(t, stage, "DeploymentId"))
		}
		ms := get(t, stage, "MethodSettings", 0)
		if get(t, ms, "ResourcePath") != "/*" || get(t, ms, "HttpMethod") != "*" ||
			get(t, ms, "ThrottlingBurstLimit").(int) <= 0 {
			t.Errorf("stage throttling = %v", ms)
		}
		checkRefs(t, m)
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
	p := get(t, res, LogicalPermission, "Properties")
	if get(t, p, "Principal") != "apigateway.amazonaws.com" || get(t, p, "Action") != "lambda:InvokeFunction" {
		t.Errorf("permission = %v", p)
	}
	want := sub("arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${BrokerApi}/*/*/*")
	if !reflect.DeepEqual(get(t, p, "SourceArn"), want) {
		t.Errorf("SourceArn = %v, want %v", get(t, p, "SourceArn"), want)
	}
	if !reflect.DeepEqual(get(t, p, "FunctionName"), getAtt(LogicalFunction, "Arn")) {
		t.Errorf("FunctionName = %v", get(t, p, "FunctionName"))
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
	walk(v, func(key string, p any) {
		if key != "Principal" {
			return
		}
		n++
		all := []any{p}
		walk(p, func(_ string, inner any) { all = append(all, inner) })
		for _, e := range all {
			if s, ok := e.(string); ok && strings.Contains(s, "*") {
				bad = append(bad, p)
				return
			}
		}
	})
	return n, bad
}

// walk calls fn for every map entry (key, value) and list element ("", v).
func walk(v any, fn func(key string, v any)) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			fn(k, e)
			walk(e, fn)
		}
	case []any:
		for _, e := range x {
			fn("", e)
			walk(e, fn)
		}
	}
}

// subVarRE matches ${Name} and ${Name.Attr} in Fn::Sub strings (not ${!…}).
var subVarRE = regexp.MustCompile(`\$\{([A-Za-z0-9:]+)(?:\.[A-Za-z0-9.]+)?\}`)

// refs returns the logical ids and parameters v refers to through Ref,
// Fn::GetAtt and Fn::Sub; pseudo parameters (AWS::…) are left out.
func refs(v any) []string {
	var out []string
	add := func(s string) {
		if !strings.HasPrefix(s, "AWS::") {
			out = append(out, s)
		}
	}
	walk(map[string]any{"": v}, func(key string, e any) {
		switch key {
		case "Ref":
			add(e.(string))
		case "Fn::GetAtt":
			add(e.([]any)[0].(string))
		case "Fn::Sub":
			for _, m := range subVarRE.FindAllStringSubmatch(e.(string), -1) {
				add(m[1])
			}
		}
	})
	return out
}
