package awsid

import (
	"strings"
	"testing"
)

func TestIsAccountID(t *testing.T) {
	for s, want := range map[string]bool{
		"123456789012":  true,
		"000000000000":  true,
		"12345678901":   false,
		"1234567890123": false,
		"12345678901a":  false,
		"12345678901 ":  false,
		"１23456789012":  false, // a full-width digit is not ASCII
		"":              false,
		"-12345678901":  false,
	} {
		if got := IsAccountID(s); got != want {
			t.Errorf("IsAccountID(%q) = %v, want %v", s, got, want)
		}
		if err := ValidateAccountID(s); (err == nil) != want {
			t.Errorf("ValidateAccountID(%q) = %v, want ok %v", s, err, want)
		} else if err != nil && !strings.Contains(err.Error(), "must be 12 digits") {
			t.Errorf("ValidateAccountID(%q) = %q, want the rule in the message", s, err)
		}
	}
}

func TestAccountFromARN(t *testing.T) {
	tests := []struct {
		arn, want string
	}{
		{"arn:aws:sts::123456789012:assumed-role/R/S", "123456789012"},
		{"arn:aws-us-gov:sts::210987654321:assumed-role/tip-role/tip-u-1", "210987654321"},
		{"arn:aws-cn:sts::210987654321:assumed-role/path-less/tip-a@b.c", "210987654321"},
		{"arn:aws:iam::123456789012:role/R", ""},
		{"arn:aws:sts::123456789012:federated-user/u", ""},
		{"arn:aws:sts::123456789012:assumed-role/R", ""},
		{"arn:aws:sts::123456789012:assumed-role//S", ""},
		{"arn:aws:sts::12345678901:assumed-role/R/S", ""},
		{"arn:aws:sts::12345678901a:assumed-role/R/S", ""},
		{"arn:aws:sts:us-east-1:123456789012:assumed-role/R/S", ""},
		{"arn::sts::123456789012:assumed-role/R/S", ""},
		{"123456789012", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, err := AccountFromARN(tt.arn)
		if got != tt.want || (err == nil) != (tt.want != "") {
			t.Errorf("AccountFromARN(%q) = %q, %v; want %q", tt.arn, got, err, tt.want)
		}
	}
}

func FuzzAccountFromARN(f *testing.F) {
	f.Add("arn:aws:sts::123456789012:assumed-role/R/S")
	f.Add("arn:aws:iam::123456789012:role/R")
	f.Fuzz(func(t *testing.T, arn string) {
		acct, err := AccountFromARN(arn)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "invalid assumed-role ARN ") {
				t.Fatalf("AccountFromARN(%q) error %q lacks the common prefix", arn, err)
			}
			return
		}
		if !IsAccountID(acct) || !strings.Contains(arn, ":"+acct+":assumed-role/") {
			t.Fatalf("AccountFromARN(%q) = %q", arn, acct)
		}
	})
}
