package callerauth

import (
	"errors"
	"strings"
	"testing"
)

func TestCallerFromARN(t *testing.T) {
	tests := []struct {
		arn  string
		want Caller // zero: refused with ErrNotRole
	}{
		{arn: "arn:aws:sts::123456789012:assumed-role/App/session-1", want: Caller{
			RoleARN: "arn:aws:iam::123456789012:role/App", AccountID: "123456789012", Partition: "aws", RoleName: "App"}},
		{arn: "arn:aws-us-gov:sts::123456789012:assumed-role/App/i-0123456789abcdef0", want: Caller{
			RoleARN: "arn:aws-us-gov:iam::123456789012:role/App", AccountID: "123456789012", Partition: "aws-us-gov", RoleName: "App"}},
		{arn: "arn:aws-cn:sts::123456789012:assumed-role/AWSReservedSSO_Admin_0123/alice@example.com", want: Caller{
			RoleARN: "arn:aws-cn:iam::123456789012:role/AWSReservedSSO_Admin_0123", AccountID: "123456789012", Partition: "aws-cn", RoleName: "AWSReservedSSO_Admin_0123"}},
		{arn: "arn:aws:iam::123456789012:role/App", want: Caller{
			RoleARN: "arn:aws:iam::123456789012:role/App", AccountID: "123456789012", Partition: "aws", RoleName: "App"}},
		{arn: "arn:aws:iam::123456789012:role/service-role/team/App+1", want: Caller{
			RoleARN: "arn:aws:iam::123456789012:role/App+1", AccountID: "123456789012", Partition: "aws", RoleName: "App+1"}},
		{arn: "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_X", want: Caller{
			RoleARN: "arn:aws:iam::123456789012:role/AWSReservedSSO_X", AccountID: "123456789012", Partition: "aws", RoleName: "AWSReservedSSO_X"}},
		{arn: "arn:aws:iam::123456789012:user/alice"},
		{arn: "arn:aws:iam::123456789012:root"},
		{arn: "arn:aws:sts::123456789012:federated-user/bob"},
		{arn: "arn:aws:sts::123456789012:assumed-role/App"},
		{arn: "arn:aws:sts::123456789012:assumed-role/App/s"},
		{arn: "arn:aws:sts::123456789012:assumed-role//session"},
		{arn: "arn:aws:sts::123456789012:assumed-role/App/a/b"},
		{arn: "arn:aws:sts::123456789012:assumed-role/App Role/session"},
		{arn: "arn:aws:sts::123456789012:assumed-role/" + strings.Repeat("a", 65) + "/session"},
		{arn: "arn:aws:iam::123456789012:role/"},
		{arn: "arn:aws:iam::123456789012:role//App"},
		{arn: "arn:aws:iam::123456789012:role/path/"},
		{arn: "arn:aws:sts:us-east-1:123456789012:assumed-role/App/session"},
		{arn: "arn:aws:sts::12345678901:assumed-role/App/session"},
		{arn: "arn:aws:sts::12345678901x:assumed-role/App/session"},
		{arn: "arn:evil:sts::123456789012:assumed-role/App/session"},
		{arn: "arn:aws:s3:::bucket/key"},
		{arn: "arn:aws:sts::123456789012"},
		{arn: "urn:aws:sts::123456789012:assumed-role/App/session"},
		{arn: ""},
	}
	for _, tt := range tests {
		t.Run(tt.arn, func(t *testing.T) {
			got, err := CallerFromARN(tt.arn)
			if tt.want == (Caller{}) {
				if !errors.Is(err, ErrNotRole) {
					t.Fatalf("CallerFromARN = %+v, %v; want ErrNotRole", got, err)
				}
				return
			}
			tt.want.ARN = tt.arn
			if err != nil || got != tt.want {
				t.Fatalf("CallerFromARN = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestCallerFromARNNamesPrincipal(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:iam::123456789012:user/alice":        "IAM user",
		"arn:aws:iam::123456789012:root":              "root user",
		"arn:aws:sts::123456789012:federated-user/bo": "federated user",
	} {
		if _, err := CallerFromARN(arn); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CallerFromARN(%s) = %v, want mention of %q", arn, err, want)
		}
	}
}

func FuzzCallerFromARN(f *testing.F) {
	for _, s := range []string{
		"arn:aws:sts::123456789012:assumed-role/App/session",
		"arn:aws:iam::123456789012:role/p/App",
		"arn:aws:iam::123456789012:user/alice",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arn string) {
		c, err := CallerFromARN(arn)
		if err != nil {
			if !errors.Is(err, ErrNotRole) {
				t.Fatalf("error %v does not wrap ErrNotRole", err)
			}
			return
		}
		if c.ARN != arn || !strings.HasSuffix(c.RoleARN, ":role/"+c.RoleName) || len(c.AccountID) != 12 {
			t.Fatalf("inconsistent caller %+v for %q", c, arn)
		}
		again, err := CallerFromARN(c.RoleARN)
		if err != nil || again.RoleARN != c.RoleARN {
			t.Fatalf("RoleARN %q does not normalise to itself: %+v %v", c.RoleARN, again, err)
		}
	})
}
