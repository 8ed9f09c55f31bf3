// Package cfn builds the CloudFormation template for tip-cli's AWS side (the
// IAM OIDC provider, the OIDC role and the identity-enhanced role) from a
// typed model, and discovers the OIDC provider thumbprint IAM expects. The
// model (Template and the IAM property types) also serves other templates
// of the repository, such as tip-broker's (internal/broker/deploy).
//
// The model marshals to both YAML (gopkg.in/yaml.v3) and JSON
// (encoding/json). Intrinsic functions are plain maps ({"Ref": …},
// {"Fn::GetAtt": […]}, {"Fn::Sub": …}) rather than YAML short tags, so both
// encodings are valid CloudFormation. Output is deterministic: ordered
// lists keep the order of parameters, resources and outputs, and the
// remaining maps (conditions) are sorted by both encoders.
package cfn

// FormatVersion is the only AWSTemplateFormatVersion CloudFormation knows.
const FormatVersion = "2010-09-09"

// PolicyVersion is the IAM policy language version.
const PolicyVersion = "2012-10-17"

// Template is a CloudFormation template.
type Template struct {
	AWSTemplateFormatVersion string     `yaml:"AWSTemplateFormatVersion" json:"AWSTemplateFormatVersion"`
	Description              string     `yaml:"Description,omitempty" json:"Description,omitempty"`
	Parameters               Parameters `yaml:"Parameters,omitempty" json:"Parameters,omitempty"`
	Resources                Resources  `yaml:"Resources" json:"Resources"`
	Outputs                  Outputs    `yaml:"Outputs,omitempty" json:"Outputs,omitempty"`
}

// Parameters is the ordered Parameters section, keyed by name.
type Parameters []namedParameter

// namedParameter is one entry of the Parameters section.
type namedParameter struct {
	Name      string
	Parameter Parameter
}

// Parameter is one template parameter.
type Parameter struct {
	Type                  string `yaml:"Type" json:"Type"`
	Description           string `yaml:"Description,omitempty" json:"Description,omitempty"`
	MinLength             int    `yaml:"MinLength,omitempty" json:"MinLength,omitempty"`
	MaxLength             int    `yaml:"MaxLength,omitempty" json:"MaxLength,omitempty"`
	AllowedPattern        string `yaml:"AllowedPattern,omitempty" json:"AllowedPattern,omitempty"`
	ConstraintDescription string `yaml:"ConstraintDescription,omitempty" json:"ConstraintDescription,omitempty"`
}

// Resources is the ordered Resources section, keyed by logical id.
type Resources []NamedResource

// NamedResource is one entry of the Resources section.
type NamedResource struct {
	LogicalID string
	Resource  Resource
}

// Resource is one CloudFormation resource with its optional attributes.
// Properties is a typed property struct: one of this package
// (oidcProviderProperties, RoleProperties, rolePolicyProperties) or of the
// package building the template.
type Resource struct {
	Type                string   `yaml:"Type" json:"Type"`
	DeletionPolicy      string   `yaml:"DeletionPolicy,omitempty" json:"DeletionPolicy,omitempty"`
	UpdateReplacePolicy string   `yaml:"UpdateReplacePolicy,omitempty" json:"UpdateReplacePolicy,omitempty"`
	DependsOn           []string `yaml:"DependsOn,omitempty" json:"DependsOn,omitempty"`
	Properties          any      `yaml:"Properties" json:"Properties"`
}

// Outputs is the ordered Outputs section, keyed by output name.
type Outputs []namedOutput

// namedOutput is one entry of the Outputs section.
type namedOutput struct {
	Name   string
	Output Output
}

// Output is one template output.
type Output struct {
	Description string `yaml:"Description,omitempty" json:"Description,omitempty"`
	Value       any    `yaml:"Value" json:"Value"`
}

// oidcProviderProperties are the properties of AWS::IAM::OIDCProvider.
type oidcProviderProperties struct {
	URL            string   `yaml:"Url" json:"Url"`
	ClientIDList   []string `yaml:"ClientIdList" json:"ClientIdList"`
	ThumbprintList []string `yaml:"ThumbprintList,omitempty" json:"ThumbprintList,omitempty"`
}

// RoleProperties are the properties of AWS::IAM::Role used here.
// ManagedPolicyArns entries are literals or intrinsics (Sub).
type RoleProperties struct {
	Description              string         `yaml:"Description,omitempty" json:"Description,omitempty"`
	MaxSessionDuration       int            `yaml:"MaxSessionDuration,omitempty" json:"MaxSessionDuration,omitempty"`
	AssumeRolePolicyDocument PolicyDocument `yaml:"AssumeRolePolicyDocument" json:"AssumeRolePolicyDocument"`
	ManagedPolicyArns        []any          `yaml:"ManagedPolicyArns,omitempty" json:"ManagedPolicyArns,omitempty"`
	Policies                 []InlinePolicy `yaml:"Policies,omitempty" json:"Policies,omitempty"`
}

// rolePolicyProperties are the properties of AWS::IAM::RolePolicy (an
// inline policy attached to a role by a separate resource). RoleName is an
// intrinsic ({"Ref": role}) or a literal name.
type rolePolicyProperties struct {
	RoleName       any            `yaml:"RoleName" json:"RoleName"`
	PolicyName     string         `yaml:"PolicyName" json:"PolicyName"`
	PolicyDocument PolicyDocument `yaml:"PolicyDocument" json:"PolicyDocument"`
}

// InlinePolicy is one entry of a role's Policies list.
type InlinePolicy struct {
	PolicyName     string         `yaml:"PolicyName" json:"PolicyName"`
	PolicyDocument PolicyDocument `yaml:"PolicyDocument" json:"PolicyDocument"`
}

// PolicyDocument is an IAM policy document.
type PolicyDocument struct {
	Version   string      `yaml:"Version" json:"Version"`
	Statement []Statement `yaml:"Statement" json:"Statement"`
}

// Statement is one IAM policy statement. Resource is "*", an intrinsic or
// a list of those; it is empty in trust policies.
type Statement struct {
	Sid       string     `yaml:"Sid,omitempty" json:"Sid,omitempty"`
	Effect    string     `yaml:"Effect" json:"Effect"`
	Principal *Principal `yaml:"Principal,omitempty" json:"Principal,omitempty"`
	Action    []string   `yaml:"Action" json:"Action"`
	Resource  any        `yaml:"Resource,omitempty" json:"Resource,omitempty"`
	Condition Condition  `yaml:"Condition,omitempty" json:"Condition,omitempty"`
}

// Principal is the principal of a trust policy statement; each field is a
// literal or an intrinsic.
type Principal struct {
	AWS       any `yaml:"AWS,omitempty" json:"AWS,omitempty"`
	Federated any `yaml:"Federated,omitempty" json:"Federated,omitempty"`
	Service   any `yaml:"Service,omitempty" json:"Service,omitempty"`
}

// Condition maps a condition operator (StringEquals, …) to condition keys
// and their allowed values. Both encoders sort map keys, so the output is
// stable.
type Condition map[string]map[string][]string

// Ref is the {"Ref": LogicalID} intrinsic function.
type Ref struct {
	Ref string `yaml:"Ref" json:"Ref"`
}

// GetAtt is the {"Fn::GetAtt": [LogicalID, Attribute]} intrinsic function.
type GetAtt struct {
	GetAtt []string `yaml:"Fn::GetAtt" json:"Fn::GetAtt"`
}

// Sub is the {"Fn::Sub": String} intrinsic function: ${LogicalId},
// ${LogicalId.Attribute}, ${Parameter} and ${AWS::Pseudo} are substituted.
type Sub struct {
	Sub string `yaml:"Fn::Sub" json:"Fn::Sub"`
}

// NewGetAtt returns the Fn::GetAtt intrinsic for logicalID.attr.
func NewGetAtt(logicalID, attr string) GetAtt {
	return GetAtt{GetAtt: []string{logicalID, attr}}
}

// Resource returns the resource with the given logical id.
func (t *Template) Resource(logicalID string) (Resource, bool) {
	for _, r := range t.Resources {
		if r.LogicalID == logicalID {
			return r.Resource, true
		}
	}
	return Resource{}, false
}
