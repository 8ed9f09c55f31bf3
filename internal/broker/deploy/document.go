// Package deploy builds the CloudFormation template of tip-broker's Lambda
// mode (the scale-out path): a DynamoDB registry table, the broker service
// role, the Lambda function and an API Gateway REST API whose methods all
// require AWS_IAM (SigV4) authorization.
//
// It reuses the typed model of internal/cfn (policies, intrinsics,
// outputs) and adds what that model lacks: a Parameters section and
// resource attributes (DependsOn, DeletionPolicy). As in internal/cfn,
// intrinsics are plain maps ({"Ref": …}, {"Fn::Sub": …}), never YAML short
// tags, and the encoding is deterministic.
package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/tip-cli/tip-cli/internal/cfn"
)

// Document is a CloudFormation template with a Parameters section and
// resources that carry attributes. (cfn.Template has neither.)
type Document struct {
	AWSTemplateFormatVersion string      `yaml:"AWSTemplateFormatVersion" json:"AWSTemplateFormatVersion"`
	Description              string      `yaml:"Description,omitempty" json:"Description,omitempty"`
	Parameters               Parameters  `yaml:"Parameters,omitempty" json:"Parameters,omitempty"`
	Resources                Resources   `yaml:"Resources" json:"Resources"`
	Outputs                  cfn.Outputs `yaml:"Outputs,omitempty" json:"Outputs,omitempty"`
}

// Parameters is the ordered Parameters section, keyed by name.
type Parameters []NamedParameter

// NamedParameter is one entry of the Parameters section.
type NamedParameter struct {
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

// Resource is one CloudFormation resource with its attributes. Properties
// is one of the property structs of this package or of internal/cfn.
type Resource struct {
	Type                string   `yaml:"Type" json:"Type"`
	DeletionPolicy      string   `yaml:"DeletionPolicy,omitempty" json:"DeletionPolicy,omitempty"`
	UpdateReplacePolicy string   `yaml:"UpdateReplacePolicy,omitempty" json:"UpdateReplacePolicy,omitempty"`
	DependsOn           []string `yaml:"DependsOn,omitempty" json:"DependsOn,omitempty"`
	Properties          any      `yaml:"Properties" json:"Properties"`
}

// Sub is the {"Fn::Sub": String} intrinsic function: ${LogicalId},
// ${LogicalId.Attribute} and ${AWS::Pseudo} are substituted.
type Sub struct {
	Sub string `yaml:"Fn::Sub" json:"Fn::Sub"`
}

// Resource returns the resource with the given logical id.
func (d *Document) Resource(logicalID string) (Resource, bool) {
	for _, r := range d.Resources {
		if r.LogicalID == logicalID {
			return r.Resource, true
		}
	}
	return Resource{}, false
}

// YAML encodes the template as YAML with two-space indentation.
func (d *Document) YAML() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(d); err != nil {
		return nil, fmt.Errorf("encode template as yaml: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode template as yaml: %w", err)
	}
	return buf.Bytes(), nil
}

// JSON encodes the template as indented JSON, ending with a newline.
func (d *Document) JSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return nil, fmt.Errorf("encode template as json: %w", err)
	}
	return buf.Bytes(), nil
}

// pair is one key and value of an ordered mapping.
type pair struct {
	key   string
	value any
}

func (p Parameters) pairs() []pair {
	out := make([]pair, len(p))
	for i, np := range p {
		out[i] = pair{np.Name, np.Parameter}
	}
	return out
}

func (r Resources) pairs() []pair {
	out := make([]pair, len(r))
	for i, nr := range r {
		out[i] = pair{nr.LogicalID, nr.Resource}
	}
	return out
}

// MarshalYAML encodes the parameters as a mapping in their list order.
func (p Parameters) MarshalYAML() (any, error) { return yamlMapping(p.pairs()) }

// MarshalJSON encodes the parameters as an object in their list order.
func (p Parameters) MarshalJSON() ([]byte, error) { return jsonObject(p.pairs()) }

// MarshalYAML encodes the resources as a mapping in their list order.
func (r Resources) MarshalYAML() (any, error) { return yamlMapping(r.pairs()) }

// MarshalJSON encodes the resources as an object in their list order.
func (r Resources) MarshalJSON() ([]byte, error) { return jsonObject(r.pairs()) }

func yamlMapping(pairs []pair) (*yaml.Node, error) {
	node := &yaml.Node{Kind: yaml.MappingNode}
	for _, p := range pairs {
		var v yaml.Node
		if err := v.Encode(p.value); err != nil {
			return nil, fmt.Errorf("encode %s: %w", p.key, err)
		}
		k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: p.key}
		node.Content = append(node.Content, k, &v)
	}
	return node, nil
}

func jsonObject(pairs []pair) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	buf.WriteByte('{')
	for i, p := range pairs {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := enc.Encode(p.key); err != nil {
			return nil, fmt.Errorf("encode key %s: %w", p.key, err)
		}
		buf.WriteByte(':')
		if err := enc.Encode(p.value); err != nil {
			return nil, fmt.Errorf("encode %s: %w", p.key, err)
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}
