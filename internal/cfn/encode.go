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

// pair is one key and value of an ordered mapping.
type pair struct {
	key   string
	value any
}

// pairsOf lists items as mapping entries.
func pairsOf[T any](items []T, entry func(T) pair) []pair {
	out := make([]pair, len(items))
	for i, it := range items {
		out[i] = entry(it)
	}
	return out
}

func (p Parameters) pairs() []pair {
	return pairsOf(p, func(np namedParameter) pair { return pair{np.Name, np.Parameter} })
}

func (r Resources) pairs() []pair {
	return pairsOf(r, func(nr NamedResource) pair { return pair{nr.LogicalID, nr.Resource} })
}

func (o Outputs) pairs() []pair {
	return pairsOf(o, func(no namedOutput) pair { return pair{no.Name, no.Output} })
}

// MarshalYAML encodes the parameters as a mapping in their list order.
func (p Parameters) MarshalYAML() (any, error) { return yamlMapping(p.pairs()) }

// MarshalJSON encodes the parameters as an object in their list order.
func (p Parameters) MarshalJSON() ([]byte, error) { return jsonObject(p.pairs()) }

// MarshalYAML encodes the resources as a mapping in their list order.
func (r Resources) MarshalYAML() (any, error) { return yamlMapping(r.pairs()) }

// MarshalJSON encodes the resources as an object in their list order.
func (r Resources) MarshalJSON() ([]byte, error) { return jsonObject(r.pairs()) }

// MarshalYAML encodes the outputs as a mapping in their list order.
func (o Outputs) MarshalYAML() (any, error) { return yamlMapping(o.pairs()) }

// MarshalJSON encodes the outputs as an object in their list order.
func (o Outputs) MarshalJSON() ([]byte, error) { return jsonObject(o.pairs()) }

// MarshalYAML encodes the condition with sorted operators and keys, and
// double-quotes keys that contain a colon ("host/path:aud") so that no
// YAML reader can mistake them for nested mappings.
func (c Condition) MarshalYAML() (any, error) {
	node := &yaml.Node{Kind: yaml.MappingNode}
	for _, op := range slices.Sorted(maps.Keys(c)) {
		inner := &yaml.Node{Kind: yaml.MappingNode}
		for _, key := range slices.Sorted(maps.Keys(c[op])) {
			k, v, err := yamlPair(key, c[op][key])
			if err != nil {
				return nil, fmt.Errorf("encode condition %s: %w", key, err)
			}
			if strings.Contains(key, ":") {
				k.Style = yaml.DoubleQuotedStyle
			}
			inner.Content = append(inner.Content, k, v)
		}
		node.Content = append(node.Content, yamlKey(op), inner)
	}
	return node, nil
}

func yamlMapping(pairs []pair) (*yaml.Node, error) {
	node := &yaml.Node{Kind: yaml.MappingNode}
	for _, p := range pairs {
		k, v, err := yamlPair(p.key, p.value)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", p.key, err)
		}
		node.Content = append(node.Content, k, v)
	}
	return node, nil
}

func yamlPair(key string, value any) (k, v *yaml.Node, err error) {
	v = new(yaml.Node)
	if err := v.Encode(value); err != nil {
		return nil, nil, err
	}
	return yamlKey(key), v, nil
}

func yamlKey(key string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}
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
