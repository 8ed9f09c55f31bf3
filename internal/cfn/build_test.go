package cfn

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

const (
	testIssuer = "https://dev-12345.okta.com/oauth2/default"
	testTP     = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
)

func defaultOpts() Options {
	return Options{IssuerURL: testIssuer, Audiences: []string{"0oa1b2c3d4e5f6g7h8i9"}, Thumbprints: []string{testTP}}
}

func subsetOpts() Options {
	return Options{
		IssuerURL:          "https://login.example.com/tenant/v2.0/",
		Audiences:          []string{"client-a", "client-b"},
		Thumbprints:        []string{testTP, "0123456789abcdef0123456789abcdef01234567"},
		Services:           []string{ServiceS3AG, ServiceAthena},
		MaxSessionDuration: 43200,
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
		t.Fatalf("read golden (run go test ./internal/cfn -update): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file (run go test ./internal/cfn -update and review)\n got:\n%s", name, got)
	}
}

func TestGolden(t *testing.T) {
	tests := []struct {
		golden string
		opts   Options
		json   bool
	}{
		{"default.yaml", defaultOpts(), false},
		{"default.json", defaultOpts(), true},
		{"subset.yaml", subsetOpts(), false},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			tmpl, err := Build(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			encode := tmpl.YAML
			if tt.json {
				encode = tmpl.JSON
			}
			got, err := encode()
			if err != nil {
				t.Fatal(err)
			}
			again, _ := encode()
			if !bytes.Equal(got, again) {
				t.Fatal("encoding is not deterministic")
			}
			if bytes.Contains(got, []byte("!Ref")) || bytes.Contains(got, []byte("!GetAtt")) {
				t.Error("output uses YAML short tags")
			}
			checkGolden(t, tt.golden, got)
		})
	}
}

// parseYAML builds the template and reads its YAML back as generic data.
func parseYAML(t *testing.T, opts Options) map[string]any {
	t.Helper()
	tmpl, err := Build(opts)
	if err != nil {
		t.Fatal(err)
	}
	y, err := tmpl.YAML()
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

func TestStructure(t *testing.T) {
	tests := []struct {
		name     string
		opts     Options
		audKey   string
		policies []string
		maxSess  int
	}{
		{"default", defaultOpts(), "dev-12345.okta.com/oauth2/default:aud",
			[]string{"tip-athena", "tip-redshift-data", "tip-s3ag", "tip-qbusiness"}, 3600},
		{"subset", subsetOpts(), "login.example.com/tenant/v2.0:aud",
			[]string{"tip-athena", "tip-s3ag"}, 43200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := parseYAML(t, tt.opts)
			if get(t, m, "AWSTemplateFormatVersion") != "2010-09-09" {
				t.Error("format version")
			}
			types := map[string]string{
				"OIDCProvider": "AWS::IAM::OIDCProvider", "OIDCRole": "AWS::IAM::Role",
				"IdEnhancedRole": "AWS::IAM::Role", "OIDCRoleAssumeIdEnhancedRole": "AWS::IAM::RolePolicy",
			}
			res := get(t, m, "Resources").(map[string]any)
			if len(res) != len(types) {
				t.Errorf("resources = %d, want %d", len(res), len(types))
			}
			for id, typ := range types {
				if got := get(t, res, id, "Type"); got != typ {
					t.Errorf("%s Type = %v, want %s", id, got, typ)
				}
			}
			prov := get(t, res, "OIDCProvider", "Properties")
			if get(t, prov, "Url") != tt.opts.IssuerURL ||
				!slices.Equal(strs(t, get(t, prov, "ClientIdList")), tt.opts.Audiences) ||
				!slices.Equal(strs(t, get(t, prov, "ThumbprintList")), tt.opts.Thumbprints) {
				t.Errorf("provider properties = %v", prov)
			}

			trust := get(t, res, "OIDCRole", "Properties", "AssumeRolePolicyDocument", "Statement", 0)
			if !reflect.DeepEqual(get(t, trust, "Principal", "Federated"), map[string]any{"Ref": "OIDCProvider"}) {
				t.Errorf("federated principal = %v", get(t, trust, "Principal"))
			}
			if !slices.Equal(strs(t, get(t, trust, "Action")), []string{"sts:AssumeRoleWithWebIdentity"}) {
				t.Errorf("oidc trust action = %v", get(t, trust, "Action"))
			}
			if !slices.Equal(strs(t, get(t, trust, "Condition", "StringEquals", tt.audKey)), tt.opts.Audiences) {
				t.Errorf("condition = %v, want key %s", get(t, trust, "Condition"), tt.audKey)
			}
			ctwi := get(t, res, "OIDCRole", "Properties", "Policies", 0, "PolicyDocument", "Statement", 0)
			if !slices.Equal(strs(t, get(t, ctwi, "Action")), []string{"sso-oauth:CreateTokenWithIAM"}) || get(t, ctwi, "Resource") != "*" {
				t.Errorf("oidc role policy = %v", ctwi)
			}
			assume := get(t, res, "OIDCRoleAssumeIdEnhancedRole", "Properties")
			if !reflect.DeepEqual(get(t, assume, "RoleName"), map[string]any{"Ref": "OIDCRole"}) {
				t.Errorf("role policy attached to %v", get(t, assume, "RoleName"))
			}
			st := get(t, assume, "PolicyDocument", "Statement", 0)
			if !slices.Equal(strs(t, get(t, st, "Action")), []string{"sts:AssumeRole", "sts:SetContext"}) ||
				!reflect.DeepEqual(get(t, st, "Resource"), getAtt("IdEnhancedRole")) {
				t.Errorf("assume statement = %v", st)
			}

			ie := get(t, res, "IdEnhancedRole", "Properties")
			if get(t, ie, "MaxSessionDuration") != tt.maxSess {
				t.Errorf("MaxSessionDuration = %v, want %d", get(t, ie, "MaxSessionDuration"), tt.maxSess)
			}
			ieTrust := get(t, ie, "AssumeRolePolicyDocument", "Statement", 0)
			if !reflect.DeepEqual(get(t, ieTrust, "Principal", "AWS"), getAtt("OIDCRole")) {
				t.Errorf("id-enhanced trust principal = %v", get(t, ieTrust, "Principal"))
			}
			if acts := strs(t, get(t, ieTrust, "Action")); !slices.Contains(acts, "sts:SetContext") || !slices.Contains(acts, "sts:AssumeRole") {
				t.Errorf("id-enhanced trust actions = %v", acts)
			}
			var names []string
			for _, p := range get(t, ie, "Policies").([]any) {
				names = append(names, get(t, p, "PolicyName").(string))
			}
			if !slices.Equal(names, tt.policies) {
				t.Errorf("policies = %v, want %v", names, tt.policies)
			}

			if !reflect.DeepEqual(get(t, m, "Outputs", "OIDCRoleArn", "Value"), getAtt("OIDCRole")) ||
				!reflect.DeepEqual(get(t, m, "Outputs", "IdEnhancedRoleArn", "Value"), getAtt("IdEnhancedRole")) {
				t.Errorf("outputs = %v", get(t, m, "Outputs"))
			}
			checkAcyclic(t, res)
		})
	}
}

func getAtt(id string) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{id, "Arn"}}
}

// checkAcyclic fails when resources reference each other in a cycle, which
// CloudFormation rejects ("Circular dependency between resources").
func checkAcyclic(t *testing.T, res map[string]any) {
	t.Helper()
	deps := map[string][]string{}
	for id, r := range res {
		deps[id] = refs(r)
	}
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(id string, path []string)
	visit = func(id string, path []string) {
		switch state[id] {
		case 1:
			t.Fatalf("circular dependency: %s", strings.Join(append(path, id), " -> "))
		case 2:
			return
		}
		state[id] = 1
		for _, d := range deps[id] {
			if _, ok := res[d]; !ok {
				t.Errorf("%s references unknown resource %s", id, d)
				continue
			}
			visit(d, append(path, id))
		}
		state[id] = 2
	}
	for id := range res {
		visit(id, nil)
	}
}

func refs(v any) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		if r, ok := x["Ref"].(string); ok {
			out = append(out, r)
		}
		if ga, ok := x["Fn::GetAtt"].([]any); ok && len(ga) > 0 {
			out = append(out, ga[0].(string))
		}
		for _, e := range x {
			out = append(out, refs(e)...)
		}
	case []any:
		for _, e := range x {
			out = append(out, refs(e)...)
		}
	}
	return out
}

// TestJSONMatchesYAML checks both encodings carry the same document.
func TestJSONMatchesYAML(t *testing.T) {
	tmpl, err := Build(subsetOpts())
	if err != nil {
		t.Fatal(err)
	}
	y, _ := tmpl.YAML()
	j, _ := tmpl.JSON()
	var fromYAML, fromJSON, normalized any
	if err := yaml.Unmarshal(y, &fromYAML); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(j, &fromJSON); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(fromYAML) // normalizes ints to float64
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &normalized); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(normalized, fromJSON) {
		t.Errorf("yaml and json differ:\nyaml→json %s\njson %s", b, j)
	}
}

// TestYAMLQuotesAmbiguousScalars guards against YAML 1.1 readers (as
// CloudFormation's) turning client ids into booleans, numbers or nulls.
func TestYAMLQuotesAmbiguousScalars(t *testing.T) {
	o := defaultOpts()
	o.Audiences = []string{"yes", "on", "0777", "1e3", "null", "~", "0x1F", "12:30", "2001-12-14"}
	tmpl, err := Build(o)
	if err != nil {
		t.Fatal(err)
	}
	y, err := tmpl.YAML()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range o.Audiences {
		if !bytes.Contains(y, []byte(`- "`+a+`"`)) {
			t.Errorf("audience %s is not quoted in:\n%s", a, y[:600])
		}
	}
}
