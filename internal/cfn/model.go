// Package cfn builds the CloudFormation template for tip-cli's AWS side (the
// IAM OIDC provider, the OIDC role and the identity-enhanced role) from a
// typed model, and discovers the OIDC provider thumbprint IAM expects.
//
// The model marshals to both YAML (gopkg.in/yaml.v3) and JSON
// (encoding/json). Intrinsic functions are plain maps ({"Ref": …},
// {"Fn::GetAtt": […]}) rather than YAML short tags, so both encodings are
// valid CloudFormation. Output is deterministic: ordered lists keep the
// order of resources and outputs, and the remaining maps (conditions) are
// sorted by both encoders.
package cfn

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// FormatVersion is the only AWSTemplateFormatVersion CloudFormation knows.
const FormatVersion = "2010-09-09"

// PolicyVersion is the IAM policy language version.
const PolicyVersion = "2012-10-17"

// Template is a CloudFormation template.
type Template struct {
	AWSTemplateFormatVersion string    `yaml:"AWSTemplateFormatVersion" json:"AWSTemplateFormatVersion"`
	Description              string    `yaml:"Description,omitempty" json:"Description,omitempty"`
	Resources                Resources `yaml:"Resources" json:"Resources"`
	Outputs                  Outputs   `yaml:"Outputs,omitempty" json:"Outputs,omitempty"`
}

// Resources is the ordered Resources section, keyed by logical id.
type Resources []NamedResource

// NamedResource is one entry of the Resources section.
type NamedResource struct {
	LogicalID string
	Resource  Resource
}

// Resource is one CloudFormation resource. Properties is one of the typed
// property structs of this package (OIDCProviderProperties,
// RoleProperties, RolePolicyProperties).
type Resource struct {
	Type       string `yaml:"Type" json:"Type"`
	Properties any    `yaml:"Properties" json:"Properties"`
}

// Outputs is the ordered Outputs section, keyed by output name.
type Outputs []NamedOutput

// NamedOutput is one entry of the Outputs section.
type NamedOutput struct {
	Name   string
	Output Output
}

// Output is one template output.
type Output struct {
	Description string `yaml:"Description,omitempty" json:"Description,omitempty"`
	Value       any    `yaml:"Value" json:"Value"`
}

// OIDCProviderProperties are the properties of AWS::IAM::OIDCProvider.
type OIDCProviderProperties struct {
	URL            string   `yaml:"Url" json:"Url"`
	ClientIDList   []string `yaml:"ClientIdList" json:"ClientIdList"`
	ThumbprintList []string `yaml:"ThumbprintList,omitempty" json:"ThumbprintList,omitempty"`
}

// RoleProperties are the properties of AWS::IAM::Role used here.
type RoleProperties struct {
	Description              string         `yaml:"Description,omitempty" json:"Description,omitempty"`
	MaxSessionDuration       int            `yaml:"MaxSessionDuration,omitempty" json:"MaxSessionDuration,omitempty"`
	AssumeRolePolicyDocument PolicyDocument `yaml:"AssumeRolePolicyDocument" json:"AssumeRolePolicyDocument"`
	Policies                 []InlinePolicy `yaml:"Policies,omitempty" json:"Policies,omitempty"`
}

// RolePolicyProperties are the properties of AWS::IAM::RolePolicy (an
// inline policy attached to a role by a separate resource). RoleName is an
// intrinsic ({"Ref": role}) or a literal name.
type RolePolicyProperties struct {
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

// YAML encodes the template as YAML with two-space indentation.
func (t *Template) YAML() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(t); err != nil {
		return nil, fmt.Errorf("encode template as yaml: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode template as yaml: %w", err)
	}
	return buf.Bytes(), nil
}

// JSON encodes the template as indented JSON, ending with a newline.
func (t *Template) JSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(t); err != nil {
		return nil, fmt.Errorf("encode template as json: %w", err)
	}
	return buf.Bytes(), nil
}

// MarshalYAML encodes the resources as a mapping in their list order.
func (r Resources) MarshalYAML() (any, error) {
	node := &yaml.Node{Kind: yaml.MappingNode}
	for _, nr := range r {
		if err := appendPair(node, nr.LogicalID, nr.Resource); err != nil {
			return nil, err
		}
	}
	return node, nil
}

// MarshalJSON encodes the resources as an object in their list order.
func (r Resources) MarshalJSON() ([]byte, error) {
	keys := make([]string, len(r))
	values := make([]any, len(r))
	for i, nr := range r {
		keys[i], values[i] = nr.LogicalID, nr.Resource
	}
	return orderedJSON(keys, values)
}

// MarshalYAML encodes the outputs as a mapping in their list order.
func (o Outputs) MarshalYAML() (any, error) {
	node := &yaml.Node{Kind: yaml.MappingNode}
	for _, no := range o {
		if err := appendPair(node, no.Name, no.Output); err != nil {
			return nil, err
		}
	}
	return node, nil
}

// MarshalJSON encodes the outputs as an object in their list order.
func (o Outputs) MarshalJSON() ([]byte, error) {
	keys := make([]string, len(o))
	values := make([]any, len(o))
	for i, no := range o {
		keys[i], values[i] = no.Name, no.Output
	}
	return orderedJSON(keys, values)
}

// MarshalYAML encodes the condition with sorted operators and keys, and
// double-quotes keys that contain a colon ("host/path:aud") so that no
// YAML reader can mistake them for nested mappings.
func (c Condition) MarshalYAML() (any, error) {
	node := &yaml.Node{Kind: yaml.MappingNode}
	for _, op := range slices.Sorted(maps.Keys(c)) {
		inner := &yaml.Node{Kind: yaml.MappingNode}
		for _, key := range slices.Sorted(maps.Keys(c[op])) {
			var v yaml.Node
			if err := v.Encode(c[op][key]); err != nil {
				return nil, fmt.Errorf("encode condition %s: %w", key, err)
			}
			k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}
			if strings.Contains(key, ":") {
				k.Style = yaml.DoubleQuotedStyle
			}
			inner.Content = append(inner.Content, k, &v)
		}
		opNode := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: op}
		node.Content = append(node.Content, opNode, inner)
	}
	return node, nil
}

func appendPair(node *yaml.Node, key string, value any) error {
	var v yaml.Node
	if err := v.Encode(value); err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}
	node.Content = append(node.Content, k, &v)
	return nil
}

func orderedJSON(keys []string, values []any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	buf.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := enc.Encode(k); err != nil {
			return nil, fmt.Errorf("encode key %s: %w", k, err)
		}
		buf.WriteByte(':')
		if err := enc.Encode(values[i]); err != nil {
			return nil, fmt.Errorf("encode %s: %w", k, err)
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}
