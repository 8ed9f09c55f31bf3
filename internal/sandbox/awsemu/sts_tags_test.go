package awsemu

import (
	"net/url"
	"strings"
	"testing"
)

func TestSTSParseTagsNull(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		form url.Values
		want string
	}{
		{name: "missing value", form: url.Values{"Tags.member.1.Key": {"k"}}, want: "Value null at 'tags.1.member.value'"},
		{name: "missing key", form: url.Values{"Tags.member.1.Value": {"v"}}, want: "Value null at 'tags.1.member.key'"},
		{name: "gap", form: url.Values{"TransitiveTagKeys.member.2": {"k"}}, want: "skips member 1"},
		{name: "bad index", form: url.Values{"TransitiveTagKeys.member.x": {"k"}}, want: "malformed list parameter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, apiErr := stsParseTags(tt.form)
			if apiErr == nil || apiErr.code != "ValidationError" || !strings.Contains(apiErr.message, tt.want) {
				t.Fatalf("stsParseTags = %+v, want ValidationError containing %q", apiErr, tt.want)
			}
		})
	}
}

func FuzzSTSParseTags(f *testing.F) {
	f.Add("Tags.member.1.Key=TenantID&Tags.member.1.Value=Yellow&TransitiveTagKeys.member.1=TenantID")
	f.Add("Tags.member.1.Key=aws%3Ax&Tags.member.1.Value=")
	f.Add("Tags.member.2.Key=a&TransitiveTagKeys.member.0=x")
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		tags, transitive, apiErr := stsParseTags(form)
		if apiErr != nil {
			if apiErr.status != 400 || apiErr.code != "ValidationError" {
				t.Fatalf("error %+v is not a ValidationError", apiErr)
			}
			return
		}
		seen := map[string]bool{}
		for _, tag := range tags {
			lower := strings.ToLower(tag.key)
			if seen[lower] || tag.key == "" || strings.HasPrefix(lower, "aws:") || !stsValidTagChars(tag.key+tag.value) {
				t.Fatalf("accepted invalid tag %+v", tag)
			}
			seen[lower] = true
		}
		if len(tags) > stsMaxTags || len(transitive) > stsMaxTags {
			t.Fatalf("accepted %d tags, %d transitive keys", len(tags), len(transitive))
		}
	})
}
