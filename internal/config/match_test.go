package config

import (
	"regexp"
	"testing"
)

// matcherOracles pairs each hand-written matcher with the regular
// expression it replaces (the expressions config used before #17).
var matcherOracles = []struct {
	name string
	re   *regexp.Regexp
	fn   func(string) bool
}{
	{"region", regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d$`), isRegion},
	{"account", regexp.MustCompile(`^\d{12}$`), isAccount},
	{"cognito pool", regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d_[A-Za-z0-9]+$`), isCognitoPool},
	{"tenant", regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`), isTenantGUID},
	{"role ARN", regexp.MustCompile(`^arn:aws(-cn|-us-gov|-iso|-iso-b)?:iam::\d{12}:role/([\x21-\x7e]*/)?[\w+=,.@-]+$`), isRoleARN},
	{"application ARN", regexp.MustCompile(`^arn:aws(-cn|-us-gov|-iso|-iso-b)?:sso::\d{12}:application/(sso)?ins-[a-zA-Z0-9-.]{16}/apl-[a-zA-Z0-9]{16}$`), isApplicationARN},
	{"policy ARN", regexp.MustCompile(`^arn:aws(-cn|-us-gov|-iso|-iso-b)?:iam::(\d{12}|aws):policy/([\x21-\x7e]*/)?[\w+=,.@-]+$`), isPolicyARN},
	{"sign-in name", regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`), isSignInName},
}

var matcherSeeds = []string{
	"", "us-east-1", "us-gov-west-1", "eu-central-2", "us-east-", "us--east-1", "USEAST1", "us-east-1x", "u-east-1", "us-1",
	"123456789012", "12345678901", "1234567890123", "12345678901a",
	"us-east-1_AbC123", "us-east-1_", "us-east-1_a_b", "us-east-1_ab-c",
	"00000000-0000-0000-0000-000000000000", "0000000g-0000-0000-0000-000000000000", "00000000-0000-0000-0000-00000000000",
	"arn:aws:iam::123456789012:role/tip-oidc", "arn:aws-us-gov:iam::123456789012:role/a/b/c", "arn:aws-iso-b:iam::123456789012:role/x",
	"arn:aws-iso:iam::123456789012:role/x", "arn:aws-isob:iam::123456789012:role/x", "arn:aws:iam::123456789012:role/", "arn:aws:iam::123456789012:role/a/",
	"arn:aws:iam::123456789012:role//x", "arn:aws:iam::123456789012:role/p:q/x", "arn:aws:iam::123456789012:role/a b", "arn:aws:iam::aws:role/x",
	"arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::123456789012:policy/p/x", "arn:aws:iam::12345678901:policy/x",
	"arn:aws:sso::123456789012:application/ssoins-1111222233334444/apl-5555666677778888",
	"arn:aws:sso::123456789012:application/ins-1111222233334444/apl-5555666677778888",
	"arn:aws:sso::123456789012:application/ssoins-11112222333-.444/apl-5555666677778888",
	"arn:aws:sso::123456789012:application/ssoins-1111222233334444/apl-555566667777888",
	"arn:aws:sso::123456789012:application/sssoins-1111222233334444/apl-5555666677778888",
	"arn:aws-cn:sso::123456789012:application/ssoins-1111222233334444/apl-5555666677778888x",
	"a", "a.b_c-d", "-a", ".a", "a b", "é",
}

func TestMatchersAgreeWithExpressions(t *testing.T) {
	t.Parallel()
	for _, o := range matcherOracles {
		for _, s := range matcherSeeds {
			if got, want := o.fn(s), o.re.MatchString(s); got != want {
				t.Errorf("%s matcher(%q) = %v, expression says %v", o.name, s, got, want)
			}
		}
	}
}

// FuzzMatchers cross-checks every hand-written matcher against its
// expression on arbitrary input.
func FuzzMatchers(f *testing.F) {
	for _, s := range matcherSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, o := range matcherOracles {
			if got, want := o.fn(s), o.re.MatchString(s); got != want {
				t.Fatalf("%s matcher(%q) = %v, expression says %v", o.name, s, got, want)
			}
		}
	})
}
