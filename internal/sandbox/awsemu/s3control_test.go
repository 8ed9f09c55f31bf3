package awsemu

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	s3ctypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func awsGrantFixture(t *testing.T) *awsFixture {
	return awsStart(t, func(o *AWSOptions) {
		o.Users = map[string]string{"alice@example.com": "u-alice"}
		o.Groups = map[string][]string{"u-alice": {"analysts"}}
		o.Grants = []GrantRule{
			{Grantee: "u-alice", Scope: "s3://data/*", Permission: "READ"},
			{Grantee: "u-alice", Scope: "s3://data/alice/*", Permission: "READWRITE"},
			{Grantee: "u-alice", Scope: "s3://data/shared*", Permission: "WRITE"},
			{Grantee: "analysts", Scope: "s3://data/team/*", Permission: "READ"},
			{Grantee: "analysts", Scope: "s3://data/team/special.csv", Permission: "READWRITE"},
			{Grantee: "u-bob", Scope: "s3://other/*", Permission: "READWRITE"},
			{Grantee: "u-alice", Scope: "s3://prefixes/alice*", Permission: "READ"},
			{Grantee: "u-alice", Scope: "s3://sib/alice/*", Permission: "READ"},
		}
	})
}

func TestS3ControlGetDataAccessMatching(t *testing.T) {
	t.Parallel()
	f := awsGrantFixture(t)
	_, enhanced := f.chain(t)
	client := f.s3c(enhanced)
	tests := []struct {
		name, target string
		object       bool
		perm         s3ctypes.Permission
		minimal      bool
		want         string // matched grant target, "" = AccessDenied
		wantType     s3ctypes.GranteeType
	}{
		{name: "bucket-wide", target: "s3://data/x.csv", object: true, perm: "READ", want: "s3://data/*", wantType: "DIRECTORY_USER"},
		{name: "prefix/* write", target: "s3://data/alice/x", object: true, perm: "WRITE", want: "s3://data/alice/*"},
		{name: "most specific wins", target: "s3://data/alice/x", object: true, perm: "READ", want: "s3://data/alice/*"},
		{name: "prefix target with slash", target: "s3://data/alice/", perm: "READWRITE", want: "s3://data/alice/*"},
		{name: "prefix target with star", target: "s3://data/alice/*", perm: "READ", want: "s3://data/alice/*"},
		{name: "read grant does not serve write", target: "s3://data/x", object: true, perm: "WRITE"},
		{name: "prefix* grant", target: "s3://data/shared/a", object: true, perm: "WRITE", want: "s3://data/shared*"},
		{name: "prefix* grant matches sibling", target: "s3://data/shared2/a", object: true, perm: "WRITE", want: "s3://data/shared*"},
		{name: "write grant does not serve read", target: "s3://data/shared/a", object: true, perm: "READ", want: "s3://data/*"},
		{name: "prefix* other bucket", target: "s3://prefixes/alice2/x", object: true, perm: "READ", want: "s3://prefixes/alice*"},
		{name: "shorter than prefix*", target: "s3://prefixes/alic", object: true, perm: "READ"},
		{name: "sibling of prefix/* not matched", target: "s3://sib/alice2/x", object: true, perm: "READ"},
		{name: "prefix/* covers nested prefix", target: "s3://sib/alice/deep/", perm: "READ", want: "s3://sib/alice/*"},
		{name: "group object grant", target: "s3://data/team/special.csv", object: true, perm: "WRITE", want: "s3://data/team/special.csv", wantType: "DIRECTORY_GROUP"},
		{name: "object grant beats group prefix", target: "s3://data/team/special.csv", object: true, perm: "READ", want: "s3://data/team/special.csv"},
		{name: "group prefix read", target: "s3://data/team/other.csv", object: true, perm: "READ", want: "s3://data/team/*", wantType: "DIRECTORY_GROUP"},
		{name: "group prefix no write", target: "s3://data/team/other.csv", object: true, perm: "WRITE"},
		{name: "object grant does not cover prefix", target: "s3://data/team/", perm: "READWRITE"},
		{name: "readwrite needs readwrite", target: "s3://data/x", object: true, perm: "READWRITE"},
		{name: "other user's grant", target: "s3://other/x", object: true, perm: "READ"},
		{name: "minimal", target: "s3://data/alice/x", object: true, perm: "READ", minimal: true, want: "s3://data/alice/x"},
		{name: "minimal prefix", target: "s3://data/alice/sub/*", perm: "READ", minimal: true, want: "s3://data/alice/sub/*"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &s3control.GetDataAccessInput{AccountId: aws.String("123456789012"), Target: aws.String(tt.target), Permission: tt.perm}
			if tt.object {
				in.TargetType = s3ctypes.S3PrefixTypeObject
			}
			if tt.minimal {
				in.Privilege = s3ctypes.PrivilegeMinimal
			}
			out, err := client.GetDataAccess(context.Background(), in)
			if tt.want == "" {
				if awsCode(err) != "AccessDenied" {
					t.Fatalf("error = %v, want AccessDenied", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("GetDataAccess: %v", err)
			}
			if got := aws.ToString(out.MatchedGrantTarget); got != tt.want {
				t.Errorf("MatchedGrantTarget = %q, want %q", got, tt.want)
			}
			if tt.wantType != "" && out.Grantee.GranteeType != tt.wantType {
				t.Errorf("GranteeType = %q, want %q", out.Grantee.GranteeType, tt.wantType)
			}
		})
	}
	recs := f.aws.Requests("GetDataAccess")
	if len(recs) != len(tests) || recs[0].Caller.UserID != "u-alice" {
		t.Errorf("recorded %d requests", len(recs))
	}
}

func TestS3ControlGetDataAccessValidation(t *testing.T) {
	t.Parallel()
	f := awsGrantFixture(t)
	oidcCreds, enhanced := f.chain(t)
	ctx := context.Background()
	base := func() *s3control.GetDataAccessInput {
		return &s3control.GetDataAccessInput{AccountId: aws.String("123456789012"), Target: aws.String("s3://data/alice/*"), Permission: "READ"}
	}
	tests := []struct {
		name   string
		caller aws.Credentials
		mutate func(*s3control.GetDataAccessInput)
		want   string
	}{
		{name: "wrong account", mutate: func(in *s3control.GetDataAccessInput) { in.AccountId = aws.String("999999999999") }, want: "AccessDenied"},
		{name: "account not 12 digits", mutate: func(in *s3control.GetDataAccessInput) { in.AccountId = aws.String("12345") }, want: "InvalidRequest"},
		{name: "bad permission", mutate: func(in *s3control.GetDataAccessInput) { in.Permission = "ALL" }, want: "InvalidRequest"},
		{name: "bad privilege", mutate: func(in *s3control.GetDataAccessInput) { in.Privilege = "Max" }, want: "InvalidRequest"},
		{name: "duration too short", mutate: func(in *s3control.GetDataAccessInput) { in.DurationSeconds = aws.Int32(899) }, want: "InvalidRequest"},
		{name: "duration too long", mutate: func(in *s3control.GetDataAccessInput) { in.DurationSeconds = aws.Int32(43201) }, want: "InvalidRequest"},
		{name: "object type for prefix", mutate: func(in *s3control.GetDataAccessInput) { in.TargetType = s3ctypes.S3PrefixTypeObject }, want: "InvalidRequest"},
		{name: "not an s3 uri", mutate: func(in *s3control.GetDataAccessInput) { in.Target = aws.String("data/alice/*") }, want: "InvalidRequest"},
		{name: "inner wildcard", mutate: func(in *s3control.GetDataAccessInput) { in.Target = aws.String("s3://data/*/x") }, want: "InvalidRequest"},
		{name: "caller is oidc role", caller: oidcCreds, want: "AccessDenied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := base()
			if tt.mutate != nil {
				tt.mutate(in)
			}
			caller := enhanced
			if tt.caller.AccessKeyID != "" {
				caller = tt.caller
			}
			if _, err := f.s3c(caller).GetDataAccess(ctx, in); awsCode(err) != tt.want {
				t.Errorf("error = %v, want %s", err, tt.want)
			}
		})
	}
	in := base()
	in.DurationSeconds = aws.Int32(43200)
	out, err := f.s3c(enhanced).GetDataAccess(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if got := out.Credentials.Expiration.Sub(f.clock.Now()); got != 12*time.Hour {
		t.Errorf("duration = %v, want 12h", got)
	}
	// The grant credentials work for SigV4 but cannot chain further.
	s3ag := aws.Credentials{AccessKeyID: aws.ToString(out.Credentials.AccessKeyId), SecretAccessKey: aws.ToString(out.Credentials.SecretAccessKey), SessionToken: aws.ToString(out.Credentials.SessionToken)}
	if _, err := f.sts(s3ag).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Errorf("GetCallerIdentity with grant credentials: %v", err)
	}
	if _, err := f.s3c(s3ag).GetDataAccess(ctx, base()); awsCode(err) != "AccessDenied" {
		t.Errorf("GetDataAccess with grant credentials: %v, want AccessDenied", err)
	}
}
