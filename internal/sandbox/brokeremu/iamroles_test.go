package brokeremu

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
)

const brokerTestPolicy = "arn:aws:s3:::tenant-data/${aws:PrincipalTag/TenantID}/*"

// brokerScenario is the session broker setup: a broker role (the runtime
// identity of the broker), a tenant access role trusting it with
// sts:TagSession, and objects of two tenants.
type brokerScenario struct {
	*awsFixture
	brokerARN, accessARN string
	broker               aws.Credentials
}

func brokerStart(t *testing.T) *brokerScenario {
	t.Helper()
	f := awsStart(t, nil)
	s := &brokerScenario{awsFixture: f, brokerARN: "arn:aws:iam::123456789012:role/tip-broker"}
	s.broker = f.aws.RoleCredentials("tip-broker", "broker", time.Hour)
	s.accessARN = f.aws.AddRole(RoleSpec{
		Name: "tenant-access", TrustedRoleARNs: []string{s.brokerARN},
		AllowTagSession: true, S3Resources: []string{brokerTestPolicy},
	})
	f.aws.PutObject("tenant-data", "Yellow/x", []byte("yellow data"))
	f.aws.PutObject("tenant-data", "Blue/x", []byte("blue data"))
	return s
}

// stsTagList builds Tags from key, value pairs (order and duplicates kept).
func stsTagList(kv ...string) []ststypes.Tag {
	var tags []ststypes.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		tags = append(tags, ststypes.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return tags
}

// assume runs AssumeRole with the SDK, signed by creds.
func (s *brokerScenario) assume(creds aws.Credentials, in *sts.AssumeRoleInput) (*sts.AssumeRoleOutput, error) {
	if in.RoleSessionName == nil {
		in.RoleSessionName = aws.String("tenant-session")
	}
	return s.sts(creds).AssumeRole(context.Background(), in)
}

// tenant assumes the access role for tenant (TenantID tag).
func (s *brokerScenario) tenant(t *testing.T, tenant string) aws.Credentials {
	t.Helper()
	out, err := s.assume(s.broker, &sts.AssumeRoleInput{RoleArn: aws.String(s.accessARN), Tags: stsTagList("TenantID", tenant)})
	if err != nil {
		t.Fatalf("AssumeRole %s: %v", tenant, err)
	}
	return awsFromSTS(out.Credentials)
}

func awsMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return ""
}

func TestRoleCredentialsIdentity(t *testing.T) {
	t.Parallel()
	s := brokerStart(t)
	out, err := s.sts(s.broker).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	if got, want := aws.ToString(out.Arn), "arn:aws:sts::123456789012:assumed-role/tip-broker/broker"; got != want {
		t.Errorf("Arn = %q, want %q", got, want)
	}
	if !s.broker.CanExpire || !s.broker.Expires.Equal(s.clock.Now().Add(time.Hour)) {
		t.Errorf("Expires = %v (CanExpire %v), want now+1h", s.broker.Expires, s.broker.CanExpire)
	}
	if tags := s.aws.SessionTags(s.broker.AccessKeyID); tags != nil {
		t.Errorf("broker SessionTags = %v, want nil", tags)
	}
}

func TestAssumeAddedRoleTrust(t *testing.T) {
	t.Parallel()
	s := brokerStart(t)
	strict := s.aws.AddRole(RoleSpec{Name: "no-tags", TrustedRoleARNs: []string{s.brokerARN}})
	other := s.aws.RoleCredentials("other-app", "app", time.Hour)
	deny := func(caller, action, role string) string {
		return "User: " + caller + " is not authorized to perform: " + action + " on resource: " + role
	}
	tests := []struct {
		name     string
		creds    func() aws.Credentials
		in       sts.AssumeRoleInput
		code     string
		message  string
		duration time.Duration
	}{
		{name: "trusted with tags", in: sts.AssumeRoleInput{RoleArn: aws.String(s.accessARN), Tags: stsTagList("TenantID", "Yellow")}, duration: time.Hour},
		{name: "trusted max chain duration", in: sts.AssumeRoleInput{RoleArn: aws.String(s.accessARN), DurationSeconds: aws.Int32(3600)}, duration: time.Hour},
		{name: "trusted short duration", in: sts.AssumeRoleInput{RoleArn: aws.String(s.accessARN), DurationSeconds: aws.Int32(900)}, duration: 15 * time.Minute},
		{name: "over chain cap", in: sts.AssumeRoleInput{RoleArn: aws.String(s.accessARN), DurationSeconds: aws.Int32(3601)}, code: "ValidationError"},
		{name: "untrusted caller", creds: func() aws.Credentials { return other }, in: sts.AssumeRoleInput{RoleArn: aws.String(s.accessARN), Tags: stsTagList("TenantID", "Yellow")},
			code: "AccessDenied", message: deny("arn:aws:sts::123456789012:assumed-role/other-app/app", "sts:AssumeRole", s.accessARN)},
		{name: "tip oidc role not trusted", creds: func() aws.Credentials { return s.webIdentity(t) }, in: sts.AssumeRoleInput{RoleArn: aws.String(s.accessARN)},
			code: "AccessDenied", message: deny("arn:aws:sts::123456789012:assumed-role/tip-sandbox-oidc/alice", "sts:AssumeRole", s.accessARN)},
		{name: "tags without TagSession", in: sts.AssumeRoleInput{RoleArn: aws.String(strict), Tags: stsTagList("TenantID", "Yellow")},
			code: "AccessDenied", message: deny("arn:aws:sts::123456789012:assumed-role/tip-broker/broker", "sts:TagSession", strict)},
		{name: "no tags without TagSession", in: sts.AssumeRoleInput{RoleArn: aws.String(strict)}, duration: time.Hour},
		{name: "context refused", in: sts.AssumeRoleInput{RoleArn: aws.String(s.accessARN), ProvidedContexts: []ststypes.ProvidedContext{
			{ProviderArn: aws.String(stsContextProvider), ContextAssertion: aws.String("AQoJb3JpZ2luX2Vj")}}},
			code: "AccessDenied", message: deny("arn:aws:sts::123456789012:assumed-role/tip-broker/broker", "sts:SetContext", s.accessARN)},
		{name: "unknown role", in: sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/nope")}, code: "AccessDenied"},
		{name: "bad session name", in: sts.AssumeRoleInput{RoleArn: aws.String(s.accessARN), RoleSessionName: aws.String("a b")}, code: "ValidationError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			creds := s.broker
			if tt.creds != nil {
				creds = tt.creds()
			}
			in := tt.in
			out, err := s.assume(creds, &in)
			if got := awsCode(err); got != tt.code {
				t.Fatalf("error code = %q (%v), want %q", got, err, tt.code)
			}
			if tt.message != "" && awsMessage(err) != tt.message {
				t.Errorf("message = %q, want %q", awsMessage(err), tt.message)
			}
			if err != nil {
				return
			}
			if got := aws.ToTime(out.Credentials.Expiration); !got.Equal(s.clock.Now().Add(tt.duration)) {
				t.Errorf("Expiration = %v, want now+%v", got, tt.duration)
			}
			role := aws.ToString(in.RoleArn)
			want := "arn:aws:sts::123456789012:assumed-role/" + role[strings.LastIndex(role, "/")+1:] + "/tenant-session"
			if got := aws.ToString(out.AssumedRoleUser.Arn); got != want {
				t.Errorf("AssumedRoleUser.Arn = %q, want %q", got, want)
			}
		})
	}
}

func TestAssumeAddedRoleSessionTags(t *testing.T) {
	t.Parallel()
	s := brokerStart(t)
	yellow := s.tenant(t, "Yellow")
	if got := s.aws.SessionTags(yellow.AccessKeyID); len(got) != 1 || got["TenantID"] != "Yellow" {
		t.Errorf("SessionTags = %v, want TenantID=Yellow", got)
	}
	got := s.aws.SessionTags(yellow.AccessKeyID)
	got["TenantID"] = "Blue" // a copy: the session keeps its tags
	if s.aws.SessionTags(yellow.AccessKeyID)["TenantID"] != "Yellow" {
		t.Error("SessionTags returned the session's own map")
	}
	if got := s.aws.SessionTags("ASIANOTISSUED"); got != nil {
		t.Errorf("SessionTags(unknown) = %v, want nil", got)
	}
	reqs := s.aws.Requests("AssumeRole")
	last := reqs[len(reqs)-1]
	if last.Params.Get("Tags.member.1.Key") != "TenantID" || last.Params.Get("Tags.member.1.Value") != "Yellow" {
		t.Errorf("recorded params = %v", last.Params)
	}
	if last.Caller == nil || last.Caller.Kind != "role" || last.Caller.RoleARN != s.brokerARN {
		t.Errorf("recorded caller = %+v, want the broker role session", last.Caller)
	}
}

func TestAssumeAddedRoleTransitiveTags(t *testing.T) {
	t.Parallel()
	s := brokerStart(t)
	hopARN := s.aws.AddRole(RoleSpec{Name: "hop", TrustedRoleARNs: []string{s.brokerARN}, AllowTagSession: true})
	finalARN := s.aws.AddRole(RoleSpec{Name: "final", TrustedRoleARNs: []string{hopARN}, AllowTagSession: true})
	strictARN := s.aws.AddRole(RoleSpec{Name: "final-strict", TrustedRoleARNs: []string{hopARN}})
	out, err := s.assume(s.broker, &sts.AssumeRoleInput{RoleArn: aws.String(hopARN),
		Tags: stsTagList("TenantID", "Yellow", "Team", "a"), TransitiveTagKeys: []string{"tenantid", "Other"}})
	if err != nil {
		t.Fatalf("AssumeRole hop: %v", err)
	}
	hop := awsFromSTS(out.Credentials)
	tests := []struct {
		name string
		in   sts.AssumeRoleInput
		code string
		want map[string]string
	}{
		{name: "inherits transitive only", in: sts.AssumeRoleInput{RoleArn: aws.String(finalARN)}, want: map[string]string{"TenantID": "Yellow"}},
		{name: "adds own tags", in: sts.AssumeRoleInput{RoleArn: aws.String(finalARN), Tags: stsTagList("Team", "b")}, want: map[string]string{"TenantID": "Yellow", "Team": "b"}},
		{name: "cannot override", in: sts.AssumeRoleInput{RoleArn: aws.String(finalARN), Tags: stsTagList("TENANTID", "Blue")}, code: "ValidationError"},
		{name: "inherited tags need TagSession", in: sts.AssumeRoleInput{RoleArn: aws.String(strictARN)}, code: "AccessDenied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			out, err := s.assume(hop, &in)
			if got := awsCode(err); got != tt.code {
				t.Fatalf("error code = %q (%v), want %q", got, err, tt.code)
			}
			if err != nil {
				return
			}
			got := s.aws.SessionTags(aws.ToString(out.Credentials.AccessKeyId))
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("SessionTags = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAssumeRoleTagValidation(t *testing.T) {
	t.Parallel()
	s := brokerStart(t)
	many := func(n int) []ststypes.Tag {
		var kv []string
		for i := range n {
			kv = append(kv, fmt.Sprintf("k%d", i), "v")
		}
		return stsTagList(kv...)
	}
	tests := []struct {
		name       string
		tags       []ststypes.Tag
		transitive []string
		message    string // substring of the ValidationError message; "" = accepted
	}{
		{name: "50 tags", tags: many(50)},
		{name: "51 tags", tags: many(51), message: "Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50"},
		{name: "unicode letters, spaces and symbols", tags: stsTagList("Tenant ID_.:/=+-@", "Gelb Ünïcode 42 _.:/=+-@")},
		{name: "empty value", tags: stsTagList("TenantID", "")},
		{name: "128-char key", tags: stsTagList(strings.Repeat("k", 128), "v")},
		{name: "129-char key", tags: stsTagList(strings.Repeat("k", 129), "v"), message: "at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128"},
		{name: "256-char value", tags: stsTagList("k", strings.Repeat("ü", 256))},
		{name: "257-char value", tags: stsTagList("a", "b", "k", strings.Repeat("v", 257)), message: "at 'tags.2.member.value' failed to satisfy constraint: Member must have length less than or equal to 256"},
		{name: "empty key", tags: stsTagList("", "v"), message: "at 'tags.1.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{name: "bad char in key", tags: stsTagList("Tenant#ID", "v"), message: `at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`},
		{name: "wildcard in value", tags: stsTagList("TenantID", "*"), message: `at 'tags.1.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*`},
		{name: "quote in value", tags: stsTagList("TenantID", "Yel'low"), message: "member.value"},
		{name: "aws: prefix", tags: stsTagList("aws:TenantID", "v"), message: "reserved prefix 'aws:'"},
		{name: "AWS: prefix", tags: stsTagList("AWS:x", "v"), message: "reserved prefix 'aws:'"},
		{name: "duplicate keys ignoring case", tags: stsTagList("TenantID", "a", "tenantid", "b"), message: "Duplicate tag keys found. Please note that Tag keys are case insensitive."},
		{name: "51 transitive keys", tags: stsTagList("k", "v"), transitive: strings.Split(strings.Repeat("k,", 51)[:101], ","), message: "'transitiveTagKeys' failed to satisfy constraint"},
		{name: "bad transitive key", tags: stsTagList("k", "v"), transitive: []string{"k!"}, message: "transitiveTagKeys.1.member"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.assume(s.broker, &sts.AssumeRoleInput{RoleArn: aws.String(s.accessARN), Tags: tt.tags, TransitiveTagKeys: tt.transitive})
			if tt.message == "" {
				if err != nil {
					t.Fatalf("AssumeRole: %v", err)
				}
				return
			}
			if awsCode(err) != "ValidationError" || !strings.Contains(awsMessage(err), tt.message) {
				t.Fatalf("error = %v, want ValidationError containing %q", err, tt.message)
			}
		})
	}
}

func TestIAMResourceMatch(t *testing.T) {
	t.Parallel()
	yellow := map[string]string{"TenantID": "Yellow"}
	tests := []struct {
		pattern, resource string
		tags              map[string]string
		want              bool
	}{
		{brokerTestPolicy, "arn:aws:s3:::tenant-data/Yellow/x", yellow, true},
		{brokerTestPolicy, "arn:aws:s3:::tenant-data/Yellow/a/b/c", yellow, true},
		{brokerTestPolicy, "arn:aws:s3:::tenant-data/Blue/x", yellow, false},
		{brokerTestPolicy, "arn:aws:s3:::tenant-data/YellowSub/x", yellow, false},
		{brokerTestPolicy, "arn:aws:s3:::tenant-data/Yellow", yellow, false},
		{brokerTestPolicy, "arn:aws:s3:::tenant-data/yellow/x", yellow, false},
		{brokerTestPolicy, "arn:aws:s3:::tenant-data/Yellow/x", map[string]string{"tenantid": "Yellow"}, true},
		{brokerTestPolicy, "arn:aws:s3:::tenant-data//x", nil, false},
		{brokerTestPolicy, "arn:aws:s3:::tenant-data//x", map[string]string{"TenantID": ""}, true},
		{brokerTestPolicy, "arn:aws:s3:::tenant-data/Yellow/x", map[string]string{"Other": "Yellow"}, false},
		{"arn:aws:s3:::tenant-data/${aws:username}/*", "arn:aws:s3:::tenant-data/Yellow/x", yellow, false},
		{"arn:aws:s3:::tenant-data/${aws:PrincipalTag/TenantID/*", "arn:aws:s3:::tenant-data/Yellow/x", yellow, false},
		{"arn:aws:s3:::tenant-data/a${*}b", "arn:aws:s3:::tenant-data/a*b", nil, true},
		{"arn:aws:s3:::tenant-data/a${*}b", "arn:aws:s3:::tenant-data/axxb", nil, false},
		{"arn:aws:s3:::tenant-data/${aws:PrincipalTag/TenantID}", "arn:aws:s3:::tenant-data/Y*", map[string]string{"TenantID": "Y*"}, true},
		{"arn:aws:s3:::tenant-data/${aws:PrincipalTag/TenantID}", "arn:aws:s3:::tenant-data/Yellow", map[string]string{"TenantID": "Y*"}, false},
		{"arn:aws:s3:::tenant-data/?/x", "arn:aws:s3:::tenant-data/ü/x", nil, true},
		{"arn:aws:s3:::tenant-data/?/x", "arn:aws:s3:::tenant-data/ab/x", nil, false},
		{"arn:aws:s3:::*", "arn:aws:s3:::any/key", nil, true},
		{"arn:aws:s3:::*/*/z", "arn:aws:s3:::b/x/y/z", nil, true},
		{"arn:aws:s3:::*a*b", "arn:aws:s3:::xaybzb", nil, true},
		{"arn:aws:s3:::*a*b", "arn:aws:s3:::xaybz", nil, false},
		{"", "", nil, true},
		{"*", "", nil, true},
		{"?", "", nil, false},
	}
	for _, tt := range tests {
		if got := iamResourceMatch(tt.pattern, tt.tags, tt.resource); got != tt.want {
			t.Errorf("iamResourceMatch(%q, %v, %q) = %v, want %v", tt.pattern, tt.tags, tt.resource, got, tt.want)
		}
	}
}

func FuzzIAMResourceMatch(f *testing.F) {
	f.Add(brokerTestPolicy, "Yellow", "arn:aws:s3:::tenant-data/Yellow/x")
	f.Add("a*b?c${*}${aws:PrincipalTag/K}", "v", "aXbYc*v")
	f.Add("${", "", "")
	f.Fuzz(func(t *testing.T, pattern, tag, resource string) {
		tags := map[string]string{"TenantID": tag, "K": tag}
		got := iamResourceMatch(pattern, tags, resource)
		if !strings.ContainsAny(pattern, "*?$") && got != (pattern == resource) {
			t.Fatalf("literal pattern %q vs %q = %v", pattern, resource, got)
		}
		if pattern == "*" && !got {
			t.Fatalf("* does not match %q", resource)
		}
	})
}
