package cfn

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/tip-cli/tip-cli/internal/cfn/cfntest"
)

func federationOpts() Options {
	o := defaultOpts()
	o.Mode, o.SubjectClaim, o.SubjectType = ModeIAMFederation, "email", SubjectTypeUser
	return o
}

func TestFederationGolden(t *testing.T) {
	wide := federationOpts()
	wide.Audiences, wide.Services, wide.MaxSessionDuration = []string{"client-a", "client-b"}, []string{ServiceS3AG, ServiceAthena}, 7200
	tests := []struct {
		golden string
		opts   Options
	}{
		{"federation.yaml", federationOpts()},
		{"federation.json", federationOpts()},
		{"federation-subset.yaml", wide},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			cfntest.Golden(t, tt.golden, func() (cfntest.Encoder, error) { return Build(tt.opts) }, *update)
		})
	}
}

// TestFederationStructure: the provider and one role trusted through it for
// the audiences, 12 h by default, and nothing that claims to set the
// context provider (CloudFormation has no such property).
func TestFederationStructure(t *testing.T) {
	tmpl, err := Build(federationOpts())
	if err != nil {
		t.Fatal(err)
	}
	m := cfntest.ParseYAML(t, tmpl)
	res := cfntest.Get(t, m, "Resources").(map[string]any)
	if len(res) != 2 || cfntest.Get(t, res, "OIDCProvider", "Type") != "AWS::IAM::OIDCProvider" || cfntest.Get(t, res, "FederationRole", "Type") != "AWS::IAM::Role" {
		t.Fatalf("resources = %v", res)
	}
	prov := cfntest.Get(t, res, "OIDCProvider", "Properties").(map[string]any)
	var keys []string
	for k := range prov {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"ClientIdList", "ThumbprintList", "Url"}) {
		t.Errorf("provider properties %v: only the documented ones", keys)
	}
	role := cfntest.Get(t, res, "FederationRole", "Properties")
	if cfntest.Get(t, role, "MaxSessionDuration") != DefaultFederationMaxSession {
		t.Errorf("MaxSessionDuration = %v", cfntest.Get(t, role, "MaxSessionDuration"))
	}
	trust := cfntest.Get(t, role, "AssumeRolePolicyDocument", "Statement", 0)
	if !reflect.DeepEqual(cfntest.Get(t, trust, "Principal", "Federated"), cfntest.Ref(LogicalOIDCProvider)) ||
		!slices.Equal(cfntest.Strs(t, cfntest.Get(t, trust, "Action")), []string{"sts:AssumeRoleWithWebIdentity"}) ||
		!slices.Equal(cfntest.Strs(t, cfntest.Get(t, trust, "Condition", "StringEquals", "dev-12345.okta.com/oauth2/default:aud")), []string{"0oa1b2c3d4e5f6g7h8i9"}) {
		t.Errorf("trust = %v", trust)
	}
	var names []string
	for _, p := range cfntest.Get(t, role, "Policies").([]any) {
		names = append(names, cfntest.Get(t, p, "PolicyName").(string))
	}
	if !slices.Equal(names, []string{"tip-athena", "tip-redshift-data"}) {
		t.Errorf("policies = %v", names)
	}
	if !reflect.DeepEqual(cfntest.Get(t, m, "Outputs", "RoleArn", "Value"), cfntest.GetAtt("FederationRole", "Arn")) {
		t.Errorf("outputs = %v", cfntest.Get(t, m, "Outputs"))
	}
	cfntest.CheckRefs(t, m)
	y, err := tmpl.YAML()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.ToLower(string(y)), "contextprovider") {
		t.Errorf("template mentions a context provider property:\n%s", y)
	}
}

func TestFederationOptionErrors(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Options)
		want   string
	}{
		{"qbusiness", func(o *Options) { o.Services = []string{ServiceQBusiness} }, "identity-center"},
		{"unknown mode", func(o *Options) { o.Mode = "saml" }, "unknown tip mode"},
		{"empty claim", func(o *Options) { o.SubjectClaim = "" }, "subject claim"},
		{"quote in claim", func(o *Options) { o.SubjectClaim = "a'b" }, "subject claim"},
		{"subject type", func(o *Options) { o.SubjectType = "robot" }, "subject type"},
		{"instance arn", func(o *Options) { o.IdentityCenterInstanceARN = "arn:aws:sso:::instance/x$(id)" }, "identity center instance arn"},
		{"too long a session", func(o *Options) { o.MaxSessionDuration = 43201 }, "max session duration"},
	}
	for _, tt := range tests {
		o := federationOpts()
		tt.mutate(&o)
		if _, err := Build(o); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}

// TestContextProviderCommands: the printed calls use the AWS CLI's names
// for the IAM API (botocore's xform_name of UpdateOpenIDConnectProvider,
// OpenIDConnectProviderArn, ContextProvider, IdentityCenterInstanceArn),
// a context provider the IAM model accepts, and one setting per call.
func TestContextProviderCommands(t *testing.T) {
	o := federationOpts()
	o.SubjectClaim, o.SubjectType = "preferred_username", SubjectTypeWorkload
	o.IdentityCenterInstanceARN = "arn:aws:sso:::instance/ssoins-1111222233334444"
	cmds, err := ContextProviderCommands(o)
	if err != nil || len(cmds) != 2 {
		t.Fatalf("commands %q, %v", cmds, err)
	}
	arn := `--open-id-connect-provider-arn "arn:aws:iam::$(aws sts get-caller-identity --query Account --output text):oidc-provider/dev-12345.okta.com/oauth2/default"`
	first, second := cmds[0], cmds[1]
	if !strings.HasPrefix(first, "aws iam update-open-id-connect-provider "+arn+" --context-provider '") || strings.Contains(first, "identity-center") {
		t.Fatalf("first command %s", first)
	}
	doc := strings.TrimSuffix(first[strings.Index(first, "'")+1:], "'")
	var cp map[string]string
	if err := json.Unmarshal([]byte(doc), &cp); err != nil || !reflect.DeepEqual(cp, map[string]string{"SubjectSourceKey": "preferred_username", "SubjectTypeValue": "workload"}) {
		t.Fatalf("context provider %s: %v", doc, err)
	}
	if second != "aws iam update-open-id-connect-provider "+arn+" --identity-center-instance-arn "+o.IdentityCenterInstanceARN {
		t.Fatalf("second command %s", second)
	}
	o.IdentityCenterInstanceARN = ""
	if cmds, _ := ContextProviderCommands(o); len(cmds) != 1 {
		t.Fatalf("without a link: %q", cmds)
	}
}
