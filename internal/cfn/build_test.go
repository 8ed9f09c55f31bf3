package cfn

import (
	"bytes"
	"flag"
	"reflect"
	"slices"
	"testing"

	"github.com/tip-cli/tip-cli/internal/cfn/cfntest"
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
		Services:           []string{serviceS3AG, serviceAthena},
		MaxSessionDuration: 43200,
	}
}

func TestGolden(t *testing.T) {
	tests := []struct {
		golden string
		opts   Options
	}{
		{"default.yaml", defaultOpts()},
		{"default.json", defaultOpts()},
		{"subset.yaml", subsetOpts()},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			cfntest.Golden(t, tt.golden, func() (cfntest.Encoder, error) { return Build(tt.opts) }, *update)
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
	return cfntest.ParseYAML(t, tmpl)
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
			if cfntest.Get(t, m, "AWSTemplateFormatVersion") != "2010-09-09" {
				t.Error("format version")
			}
			types := map[string]string{
				"OIDCProvider": "AWS::IAM::OIDCProvider", "OIDCRole": "AWS::IAM::Role",
				"IdEnhancedRole": "AWS::IAM::Role", "OIDCRoleAssumeIdEnhancedRole": "AWS::IAM::RolePolicy",
			}
			res := cfntest.Get(t, m, "Resources").(map[string]any)
			if len(res) != len(types) {
				t.Errorf("resources = %d, want %d", len(res), len(types))
			}
			for id, typ := range types {
				if got := cfntest.Get(t, res, id, "Type"); got != typ {
					t.Errorf("%s Type = %v, want %s", id, got, typ)
				}
			}
			prov := cfntest.Get(t, res, "OIDCProvider", "Properties")
			if cfntest.Get(t, prov, "Url") != tt.opts.IssuerURL ||
				!slices.Equal(cfntest.Strs(t, cfntest.Get(t, prov, "ClientIdList")), tt.opts.Audiences) ||
				!slices.Equal(cfntest.Strs(t, cfntest.Get(t, prov, "ThumbprintList")), tt.opts.Thumbprints) {
				t.Errorf("provider properties = %v", prov)
			}

			trust := cfntest.Get(t, res, "OIDCRole", "Properties", "AssumeRolePolicyDocument", "Statement", 0)
			if !reflect.DeepEqual(cfntest.Get(t, trust, "Principal", "Federated"), cfntest.Ref(logicalOIDCProvider)) {
				t.Errorf("federated principal = %v", cfntest.Get(t, trust, "Principal"))
			}
			if !slices.Equal(cfntest.Strs(t, cfntest.Get(t, trust, "Action")), []string{"sts:AssumeRoleWithWebIdentity"}) {
				t.Errorf("oidc trust action = %v", cfntest.Get(t, trust, "Action"))
			}
			if !slices.Equal(cfntest.Strs(t, cfntest.Get(t, trust, "Condition", "StringEquals", tt.audKey)), tt.opts.Audiences) {
				t.Errorf("condition = %v, want key %s", cfntest.Get(t, trust, "Condition"), tt.audKey)
			}
			ctwi := cfntest.Get(t, res, "OIDCRole", "Properties", "Policies", 0, "PolicyDocument", "Statement", 0)
			if !slices.Equal(cfntest.Strs(t, cfntest.Get(t, ctwi, "Action")), []string{"sso-oauth:CreateTokenWithIAM"}) || cfntest.Get(t, ctwi, "Resource") != "*" {
				t.Errorf("oidc role policy = %v", ctwi)
			}
			assume := cfntest.Get(t, res, "OIDCRoleAssumeIdEnhancedRole", "Properties")
			if !reflect.DeepEqual(cfntest.Get(t, assume, "RoleName"), cfntest.Ref(logicalOIDCRole)) {
				t.Errorf("role policy attached to %v", cfntest.Get(t, assume, "RoleName"))
			}
			st := cfntest.Get(t, assume, "PolicyDocument", "Statement", 0)
			if !slices.Equal(cfntest.Strs(t, cfntest.Get(t, st, "Action")), []string{"sts:AssumeRole", "sts:SetContext"}) ||
				!reflect.DeepEqual(cfntest.Get(t, st, "Resource"), cfntest.GetAtt("IdEnhancedRole", "Arn")) {
				t.Errorf("assume statement = %v", st)
			}

			ie := cfntest.Get(t, res, "IdEnhancedRole", "Properties")
			if cfntest.Get(t, ie, "MaxSessionDuration") != tt.maxSess {
				t.Errorf("MaxSessionDuration = %v, want %d", cfntest.Get(t, ie, "MaxSessionDuration"), tt.maxSess)
			}
			ieTrust := cfntest.Get(t, ie, "AssumeRolePolicyDocument", "Statement", 0)
			if !reflect.DeepEqual(cfntest.Get(t, ieTrust, "Principal", "AWS"), cfntest.GetAtt("OIDCRole", "Arn")) {
				t.Errorf("id-enhanced trust principal = %v", cfntest.Get(t, ieTrust, "Principal"))
			}
			if acts := cfntest.Strs(t, cfntest.Get(t, ieTrust, "Action")); !slices.Contains(acts, "sts:SetContext") || !slices.Contains(acts, "sts:AssumeRole") {
				t.Errorf("id-enhanced trust actions = %v", acts)
			}
			var names []string
			for _, p := range cfntest.Get(t, ie, "Policies").([]any) {
				names = append(names, cfntest.Get(t, p, "PolicyName").(string))
			}
			if !slices.Equal(names, tt.policies) {
				t.Errorf("policies = %v, want %v", names, tt.policies)
			}

			if !reflect.DeepEqual(cfntest.Get(t, m, "Outputs", "OIDCRoleArn", "Value"), cfntest.GetAtt("OIDCRole", "Arn")) ||
				!reflect.DeepEqual(cfntest.Get(t, m, "Outputs", "IdEnhancedRoleArn", "Value"), cfntest.GetAtt("IdEnhancedRole", "Arn")) {
				t.Errorf("outputs = %v", cfntest.Get(t, m, "Outputs"))
			}
			cfntest.CheckRefs(t, m)
		})
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
