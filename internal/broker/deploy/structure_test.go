package deploy

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/tip-cli/tip-cli/internal/cfn/cfntest"
)

func TestResources(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		code map[string]any
		arch string
		mem  int
		tbl  bool // TableName set
	}{
		{"default", Options{}, map[string]any{"S3Bucket": cfntest.Ref("CodeBucket"), "S3Key": cfntest.Ref("CodeKey")}, "arm64", 256, false},
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
			tbl := cfntest.Get(t, res, LogicalTable, "Properties")
			if cfntest.Get(t, tbl, "BillingMode") != "PAY_PER_REQUEST" ||
				cfntest.Get(t, tbl, "KeySchema", 0, "AttributeName") != "RoleArn" || cfntest.Get(t, tbl, "KeySchema", 0, "KeyType") != "HASH" ||
				cfntest.Get(t, tbl, "AttributeDefinitions", 0, "AttributeType") != "S" ||
				cfntest.Get(t, tbl, "PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled") != true ||
				cfntest.Get(t, tbl, "SSESpecification", "SSEEnabled") != true {
				t.Errorf("table = %v", tbl)
			}
			if _, named := tbl.(map[string]any)["TableName"]; named != tt.tbl {
				t.Errorf("TableName present = %v, want %v", named, tt.tbl)
			}
			fn := cfntest.Get(t, res, LogicalFunction, "Properties")
			if cfntest.Get(t, fn, "Runtime") != "provided.al2023" || cfntest.Get(t, fn, "Handler") != "bootstrap" ||
				cfntest.Get(t, fn, "Timeout") != 10 || cfntest.Get(t, fn, "MemorySize") != tt.mem ||
				!slices.Equal(cfntest.Strs(t, cfntest.Get(t, fn, "Architectures")), []string{tt.arch}) {
				t.Errorf("function = %v", fn)
			}
			if _, ok := fn.(map[string]any)["ReservedConcurrentExecutions"]; ok {
				t.Error("reserved concurrency is set")
			}
			if !reflect.DeepEqual(cfntest.Get(t, fn, "Code"), tt.code) {
				t.Errorf("code = %v, want %v", cfntest.Get(t, fn, "Code"), tt.code)
			}
			wantEnv := map[string]any{"TIP_BROKER_TABLE": cfntest.Ref(LogicalTable), "TIP_BROKER_MODE": "lambda"}
			if !reflect.DeepEqual(cfntest.Get(t, fn, "Environment", "Variables"), wantEnv) {
				t.Errorf("environment = %v", cfntest.Get(t, fn, "Environment"))
			}
			if !reflect.DeepEqual(cfntest.Get(t, fn, "Role"), cfntest.GetAtt(LogicalBrokerRole, "Arn")) {
				t.Errorf("function role = %v", cfntest.Get(t, fn, "Role"))
			}
			checkRole(t, cfntest.Get(t, res, LogicalBrokerRole, "Properties"), tt.opts.AllowedAccountIDs)
			checkOutputs(t, m, tt.opts)
			cfntest.CheckRefs(t, m)
		})
	}
}

func checkRole(t *testing.T, role any, accounts []string) {
	t.Helper()
	trust := cfntest.Get(t, role, "AssumeRolePolicyDocument", "Statement", 0)
	if cfntest.Get(t, trust, "Principal", "Service") != "lambda.amazonaws.com" ||
		!slices.Equal(cfntest.Strs(t, cfntest.Get(t, trust, "Action")), []string{"sts:AssumeRole"}) {
		t.Errorf("broker role trust = %v", trust)
	}
	managed := cfntest.Get(t, role, "ManagedPolicyArns").([]any)
	if !reflect.DeepEqual(managed, []any{cfntest.Sub("arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")}) {
		t.Errorf("managed policies = %v", managed)
	}
	reg := cfntest.Get(t, role, "Policies", 0, "PolicyDocument", "Statement", 0)
	if !slices.Equal(cfntest.Strs(t, cfntest.Get(t, reg, "Action")), []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"}) ||
		!reflect.DeepEqual(cfntest.Get(t, reg, "Resource"), cfntest.GetAtt(LogicalTable, "Arn")) {
		t.Errorf("registry statement = %v", reg)
	}
	assume := cfntest.Get(t, role, "Policies", 1, "PolicyDocument", "Statement", 0)
	if !slices.Equal(cfntest.Strs(t, cfntest.Get(t, assume, "Action")), []string{"sts:AssumeRole", "sts:TagSession"}) {
		t.Errorf("assume actions = %v", cfntest.Get(t, assume, "Action"))
	}
	want := []any{cfntest.Sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*")}
	for _, a := range accounts {
		want = append(want, cfntest.Sub("arn:${AWS::Partition}:iam::"+a+":role/*"))
	}
	if !reflect.DeepEqual(cfntest.Get(t, assume, "Resource"), want) {
		t.Errorf("assume resources = %v, want %v", cfntest.Get(t, assume, "Resource"), want)
	}
	// Issue 22 item 16: not every role of those accounts, only the ones
	// tagged as access roles.
	cond, _ := cfntest.Get(t, assume, "Condition").(map[string]any)
	wantCond := map[string]any{"StringEquals": map[string]any{"aws:ResourceTag/" + AccessRoleTagKey: []any{AccessRoleTagValue}}}
	if !reflect.DeepEqual(cond, wantCond) {
		t.Errorf("assume condition = %v, want %v", cond, wantCond)
	}
}

func checkOutputs(t *testing.T, m map[string]any, o Options) {
	t.Helper()
	out := m["Outputs"]
	stage := o.Stage
	if stage == "" {
		stage = DefaultStage
	}
	wantEP := "https://${BrokerApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/" + stage
	if !reflect.DeepEqual(cfntest.Get(t, out, "Endpoint", "Value"), cfntest.Sub(wantEP)) {
		t.Errorf("Endpoint = %v", cfntest.Get(t, out, "Endpoint", "Value"))
	}
	if !reflect.DeepEqual(cfntest.Get(t, out, "APIEndpoint", "Value"), cfntest.Sub(wantEP+"/")) ||
		!reflect.DeepEqual(cfntest.Get(t, out, "ServiceRoleName", "Value"), cfntest.Ref(LogicalBrokerRole)) {
		t.Errorf("sample outputs = %v / %v", cfntest.Get(t, out, "APIEndpoint"), cfntest.Get(t, out, "ServiceRoleName"))
	}
	if !reflect.DeepEqual(cfntest.Get(t, out, "BrokerRoleArn", "Value"), cfntest.GetAtt(LogicalBrokerRole, "Arn")) ||
		!reflect.DeepEqual(cfntest.Get(t, out, "TableName", "Value"), cfntest.Ref(LogicalTable)) {
		t.Errorf("outputs = %v", out)
	}
	trust := cfntest.Get(t, out, "AccessRoleTrustPolicy", "Value", "Fn::Sub").(string)
	var doc map[string]any
	if err := json.Unmarshal([]byte(trust), &doc); err != nil {
		t.Fatalf("AccessRoleTrustPolicy output is not JSON: %v", err)
	}
	if cfntest.Get(t, doc, "Statement", 0, "Principal", "AWS") != "${BrokerRole.Arn}" {
		t.Errorf("trust policy output = %s", trust)
	}
	policy := m["Resources"].(map[string]any)[LogicalRestAPI].(map[string]any)["Properties"].(map[string]any)["Policy"]
	if len(o.AllowedAccountIDs) == 0 {
		if policy != nil {
			t.Errorf("API has a resource policy without allowed accounts: %v", policy)
		}
		return
	}
	st := cfntest.Get(t, policy, "Statement", 0)
	var principals []any
	for _, a := range o.AllowedAccountIDs {
		principals = append(principals, cfntest.Sub("arn:${AWS::Partition}:iam::"+a+":root"))
	}
	if !reflect.DeepEqual(cfntest.Get(t, st, "Principal", "AWS"), principals) ||
		!slices.Equal(cfntest.Strs(t, cfntest.Get(t, st, "Action")), []string{"execute-api:Invoke"}) ||
		cfntest.Get(t, st, "Resource") != "execute-api:/*" || cfntest.Get(t, st, "Effect") != "Allow" {
		t.Errorf("API resource policy = %v", policy)
	}
}

func TestAccessRolePolicies(t *testing.T) {
	const broker = "arn:aws:iam::123456789012:role/stack-BrokerRole-ABC"
	const app = "arn:aws:iam::123456789012:role/tenant-app"
	b, err := json.Marshal(AccessRoleTrustPolicy(broker, app))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Statement":[{"Action":["sts:AssumeRole","sts:TagSession"],"Condition":{"StringEquals":{"sts:ExternalId":"` + app +
		`"}},"Effect":"Allow","Principal":{"AWS":"` + broker + `"},"Sid":"TipBroker"}],"Version":"2012-10-17"}`
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
	p := AccessRoleTrustPolicy(broker, app)
	p["Statement"].([]any)[0].(map[string]any)["Action"].([]string)[0] = "iam:PassRole"
	if got := AccessRoleTrustPolicy(broker, app)["Statement"].([]any)[0].(map[string]any)["Action"].([]string)[0]; got != "sts:AssumeRole" {
		t.Errorf("trust policies share state: %s", got)
	}
}
