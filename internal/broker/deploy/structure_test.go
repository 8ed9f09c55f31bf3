package deploy

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// checkRefs fails when a Ref, Fn::GetAtt, Fn::Sub variable or DependsOn
// names nothing the template defines, when a parameter is unused, or when
// resources depend on each other in a cycle (CloudFormation: "Circular
// dependency between resources").
func checkRefs(t *testing.T, m map[string]any) {
	t.Helper()
	res := m["Resources"].(map[string]any)
	params, _ := m["Parameters"].(map[string]any)
	used := map[string]bool{}
	deps := map[string][]string{}
	for id, r := range res {
		for _, d := range refs(r) {
			used[d] = true
			if _, ok := params[d]; ok {
				continue
			}
			deps[id] = append(deps[id], d)
		}
		if do, ok := r.(map[string]any)["DependsOn"]; ok {
			deps[id] = append(deps[id], strs(t, do)...)
		}
	}
	for _, d := range refs(m["Outputs"]) {
		if _, ok := res[d]; !ok {
			t.Errorf("output references unknown resource %s", d)
		}
	}
	for p := range params {
		if !used[p] {
			t.Errorf("parameter %s is never used", p)
		}
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
				t.Errorf("%s references unknown resource or parameter %s", id, d)
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

// TestCheckRefsCatchesDangling guards the guard: a dangling Sub variable
// must be reported.
func TestCheckRefsCatchesDangling(t *testing.T) {
	got := refs(map[string]any{"a": sub("x-${Missing.Arn}-${AWS::Region}-${!Literal}"), "b": ref("P")})
	slices.Sort(got)
	if !slices.Equal(got, []string{"Missing", "P"}) {
		t.Errorf("refs = %v, want [Missing P]", got)
	}
}

func TestResources(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		code map[string]any
		arch string
		mem  int
		tbl  bool // TableName set
	}{
		{"default", Options{}, map[string]any{"S3Bucket": ref("CodeBucket"), "S3Key": ref("CodeKey")}, "arm64", 256, false},
		{"custom", customOpts(), map[string]any{"S3Bucket": "tip-broker-artifacts",
			"S3Key": "releases/v1.2.3/tip-broker-linux-x86_64.zip"}, "x86_64", 512, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := parse(t, tt.opts)
			res := m["Resources"].(map[string]any)
			_, hasParams := m["Parameters"]
			if hasParams != (tt.opts.CodeS3Bucket == "") {
				t.Errorf("Parameters present = %v with code bucket %q", hasParams, tt.opts.CodeS3Bucket)
			}
			tbl := get(t, res, LogicalTable, "Properties")
			if get(t, tbl, "BillingMode") != "PAY_PER_REQUEST" ||
				get(t, tbl, "KeySchema", 0, "AttributeName") != "RoleArn" || get(t, tbl, "KeySchema", 0, "KeyType") != "HASH" ||
				get(t, tbl, "AttributeDefinitions", 0, "AttributeType") != "S" ||
				get(t, tbl, "PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled") != true ||
				get(t, tbl, "SSESpecification", "SSEEnabled") != true {
				t.Errorf("table = %v", tbl)
			}
			if _, named := tbl.(map[string]any)["TableName"]; named != tt.tbl {
				t.Errorf("TableName present = %v, want %v", named, tt.tbl)
			}
			fn := get(t, res, LogicalFunction, "Properties")
			if get(t, fn, "Runtime") != "provided.al2023" || get(t, fn, "Handler") != "bootstrap" ||
				get(t, fn, "Timeout") != 10 || get(t, fn, "MemorySize") != tt.mem ||
				!slices.Equal(strs(t, get(t, fn, "Architectures")), []string{tt.arch}) {
				t.Errorf("function = %v", fn)
			}
			if _, ok := fn.(map[string]any)["ReservedConcurrentExecutions"]; ok {
				t.Error("reserved concurrency is set")
			}
			if !reflect.DeepEqual(get(t, fn, "Code"), tt.code) {
				t.Errorf("code = %v, want %v", get(t, fn, "Code"), tt.code)
			}
			wantEnv := map[string]any{"TIP_BROKER_TABLE": ref(LogicalTable), "TIP_BROKER_MODE": "lambda"}
			if !reflect.DeepEqual(get(t, fn, "Environment", "Variables"), wantEnv) {
				t.Errorf("environment = %v", get(t, fn, "Environment"))
			}
			if !reflect.DeepEqual(get(t, fn, "Role"), getAtt(LogicalBrokerRole, "Arn")) {
				t.Errorf("function role = %v", get(t, fn, "Role"))
			}
			checkRole(t, get(t, res, LogicalBrokerRole, "Properties"), tt.opts.AllowedAccountIDs)
			checkOutputs(t, m, tt.opts)
			checkRefs(t, m)
		})
	}
}

func checkRole(t *testing.T, role any, accounts []string) {
	t.Helper()
	trust := get(t, role, "AssumeRolePolicyDocument", "Statement", 0)
	if get(t, trust, "Principal", "Service") != "lambda.amazonaws.com" ||
		!slices.Equal(strs(t, get(t, trust, "Action")), []string{"sts:AssumeRole"}) {
		t.Errorf("broker role trust = %v", trust)
	}
	managed := get(t, role, "ManagedPolicyArns").([]any)
	if !reflect.DeepEqual(managed, []any{sub("arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")}) {
		t.Errorf("managed policies = %v", managed)
	}
	reg := get(t, role, "Policies", 0, "PolicyDocument", "Statement", 0)
	if !slices.Equal(strs(t, get(t, reg, "Action")), []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"}) ||
		!reflect.DeepEqual(get(t, reg, "Resource"), getAtt(LogicalTable, "Arn")) {
		t.Errorf("registry statement = %v", reg)
	}
	assume := get(t, role, "Policies", 1, "PolicyDocument", "Statement", 0)
	if !slices.Equal(strs(t, get(t, assume, "Action")), []string{"sts:AssumeRole", "sts:TagSession"}) {
		t.Errorf("assume actions = %v", get(t, assume, "Action"))
	}
	want := []any{sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*")}
	for _, a := range accounts {
		want = append(want, sub("arn:${AWS::Partition}:iam::"+a+":role/*"))
	}
	if !reflect.DeepEqual(get(t, assume, "Resource"), want) {
		t.Errorf("assume resources = %v, want %v", get(t, assume, "Resource"), want)
	}
}

func checkOutputs(t *testing.T, m map[string]any, o Options) {
	t.Helper()
	out := m["Outputs"]
	wantEP := sub("https://${BrokerApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${BrokerStage}")
	if !reflect.DeepEqual(get(t, out, "Endpoint", "Value"), wantEP) {
		t.Errorf("Endpoint = %v", get(t, out, "Endpoint", "Value"))
	}
	if !reflect.DeepEqual(get(t, out, "BrokerRoleArn", "Value"), getAtt(LogicalBrokerRole, "Arn")) ||
		!reflect.DeepEqual(get(t, out, "TableName", "Value"), ref(LogicalTable)) {
		t.Errorf("outputs = %v", out)
	}
	trust := get(t, out, "AccessRoleTrustPolicy", "Value", "Fn::Sub").(string)
	var doc map[string]any
	if err := json.Unmarshal([]byte(trust), &doc); err != nil {
		t.Fatalf("AccessRoleTrustPolicy output is not JSON: %v", err)
	}
	if get(t, doc, "Statement", 0, "Principal", "AWS") != "${BrokerRole.Arn}" {
		t.Errorf("trust policy output = %s", trust)
	}
	policy := m["Resources"].(map[string]any)[LogicalRestAPI].(map[string]any)["Properties"].(map[string]any)["Policy"]
	if len(o.AllowedAccountIDs) == 0 {
		if policy != nil {
			t.Errorf("API has a resource policy without allowed accounts: %v", policy)
		}
		return
	}
	st := get(t, policy, "Statement", 0)
	var principals []any
	for _, a := range o.AllowedAccountIDs {
		principals = append(principals, sub("arn:${AWS::Partition}:iam::"+a+":root"))
	}
	if !reflect.DeepEqual(get(t, st, "Principal", "AWS"), principals) ||
		!slices.Equal(strs(t, get(t, st, "Action")), []string{"execute-api:Invoke"}) ||
		get(t, st, "Resource") != "execute-api:/*" || get(t, st, "Effect") != "Allow" {
		t.Errorf("API resource policy = %v", policy)
	}
}

// TestJSONMatchesYAML checks both encodings carry the same document.
func TestJSONMatchesYAML(t *testing.T) {
	d, err := Template(customOpts())
	if err != nil {
		t.Fatal(err)
	}
	y, _ := d.YAML()
	j, _ := d.JSON()
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

func TestAccessRolePolicies(t *testing.T) {
	const broker = "arn:aws:iam::123456789012:role/stack-BrokerRole-ABC"
	b, err := json.Marshal(AccessRoleTrustPolicy(broker))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Statement":[{"Action":["sts:AssumeRole","sts:TagSession"],"Effect":"Allow","Principal":{"AWS":"` +
		broker + `"},"Sid":"TipBroker"}],"Version":"2012-10-17"}`
	if string(b) != want {
		t.Errorf("trust policy = %s\nwant %s", b, want)
	}
	b, err = json.Marshal(AccessRolePolicyExample("tenant-data", "TenantID"))
	if err != nil {
		t.Fatal(err)
	}
	want = `{"Statement":[{"Action":["s3:GetObject"],"Effect":"Allow","Resource":"arn:aws:s3:::tenant-data/${aws:PrincipalTag/TenantID}/*","Sid":"TenantPrefix"}],"Version":"2012-10-17"}`
	if string(b) != want {
		t.Errorf("example policy = %s\nwant %s", b, want)
	}
	// Each call returns fresh data: editing one result leaves the next.
	p := AccessRoleTrustPolicy(broker)
	p["Statement"].([]any)[0].(map[string]any)["Action"].([]string)[0] = "iam:PassRole"
	if got := AccessRoleTrustPolicy(broker)["Statement"].([]any)[0].(map[string]any)["Action"].([]string)[0]; got != "sts:AssumeRole" {
		t.Errorf("trust policies share state: %s", got)
	}
}
