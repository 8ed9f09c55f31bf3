package registry_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tip-cli/tip-cli/internal/broker/registry"
	"github.com/tip-cli/tip-cli/internal/broker/registry/registrytest"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name      string
		mutate    func(a *registry.Application)
		wantField string // "" = valid
	}{
		{"valid", func(a *registry.Application) {}, ""},
		{"valid no optional", func(a *registry.Application) { a.Issuer, a.Audience = "", "" }, ""},
		{"valid gov", func(a *registry.Application) { a.RoleARN = "arn:aws-us-gov:iam::123456789012:role/A" }, ""},
		{"valid cn", func(a *registry.Application) { a.RoleARN = "arn:aws-cn:iam::123456789012:role/A" }, ""},
		{"valid max role name", func(a *registry.Application) { a.AccessRoleName = strings.Repeat("a", 64) }, ""},
		{"valid unicode tag key", func(a *registry.Application) { a.SessionTagKey = "Mandant Nr 1 ü 名 ٣ @:/=+-._" }, ""},
		{"valid max tag key", func(a *registry.Application) { a.SessionTagKey = strings.Repeat("é", 128) }, ""},
		{"valid tag key aws without colon", func(a *registry.Application) { a.SessionTagKey = "awsTenant" }, ""},
		{"valid claim", func(a *registry.Application) { a.JWTClaimName = "https://x/claims/tenant id" }, ""},
		{"valid max claim", func(a *registry.Application) { a.JWTClaimName = strings.Repeat("ß", 256) }, ""},

		{"role arn empty", func(a *registry.Application) { a.RoleARN = "" }, "RoleARN"},
		{"role arn user", func(a *registry.Application) { a.RoleARN = "arn:aws:iam::123456789012:user/A" }, "RoleARN"},
		{"role arn assumed", func(a *registry.Application) {
			a.RoleARN = "arn:aws:sts::123456789012:assumed-role/A/s"
		}, "RoleARN"},
		{"role arn 11 digits", func(a *registry.Application) { a.RoleARN = "arn:aws:iam::12345678901:role/A" }, "RoleARN"},
		{"role arn partition", func(a *registry.Application) { a.RoleARN = "arn:aws-iso:iam::123456789012:role/A" }, "RoleARN"},
		{"role arn path", func(a *registry.Application) { a.RoleARN = "arn:aws:iam::123456789012:role/p/A" }, "RoleARN"},
		{"role arn long name", func(a *registry.Application) {
			a.RoleARN = "arn:aws:iam::123456789012:role/" + strings.Repeat("a", 65)
		}, "RoleARN"},
		{"role arn trailing newline", func(a *registry.Application) { a.RoleARN += "\n" }, "RoleARN"},
		{"access empty", func(a *registry.Application) { a.AccessRoleName = "" }, "AccessRoleName"},
		{"access too long", func(a *registry.Application) { a.AccessRoleName = strings.Repeat("a", 65) }, "AccessRoleName"},
		{"access arn", func(a *registry.Application) { a.AccessRoleName = "arn:aws:iam::1:role/A" }, "AccessRoleName"},
		{"access path", func(a *registry.Application) { a.AccessRoleName = "path/A" }, "AccessRoleName"},
		{"access space", func(a *registry.Application) { a.AccessRoleName = "A B" }, "AccessRoleName"},
		{"access unicode", func(a *registry.Application) { a.AccessRoleName = "Rôle" }, "AccessRoleName"},
		{"tag key empty", func(a *registry.Application) { a.SessionTagKey = "" }, "SessionTagKey"},
		{"tag key aws prefix", func(a *registry.Application) { a.SessionTagKey = "aws:x" }, "SessionTagKey"},
		{"tag key AWS prefix", func(a *registry.Application) { a.SessionTagKey = "AwS:x" }, "SessionTagKey"},
		{"tag key too long", func(a *registry.Application) { a.SessionTagKey = strings.Repeat("a", 129) }, "SessionTagKey"},
		{"tag key comma", func(a *registry.Application) { a.SessionTagKey = "a,b" }, "SessionTagKey"},
		{"tag key tab", func(a *registry.Application) { a.SessionTagKey = "a\tb" }, "SessionTagKey"},
		{"tag key bad utf8", func(a *registry.Application) { a.SessionTagKey = "a\xffb" }, "SessionTagKey"},
		{"claim empty", func(a *registry.Application) { a.JWTClaimName = "" }, "JWTClaimName"},
		{"claim too long", func(a *registry.Application) { a.JWTClaimName = strings.Repeat("a", 257) }, "JWTClaimName"},
		{"claim control", func(a *registry.Application) { a.JWTClaimName = "a\x00" }, "JWTClaimName"},
		{"claim C1 control", func(a *registry.Application) { a.JWTClaimName = "a\u0085" }, "JWTClaimName"},
		{"claim bad utf8", func(a *registry.Application) { a.JWTClaimName = "\xc3" }, "JWTClaimName"},
		{"jwks empty", func(a *registry.Application) { a.JWKSetURL = "" }, "JWKSetURL"},
		{"jwks relative", func(a *registry.Application) { a.JWKSetURL = "jwks.json" }, "JWKSetURL"},
		{"jwks no host", func(a *registry.Application) { a.JWKSetURL = "https:///jwks" }, "JWKSetURL"},
		{"jwks unparsable", func(a *registry.Application) { a.JWKSetURL = "https://a b/%zz" }, "JWKSetURL"},
		{"jwks too long", func(a *registry.Application) {
			a.JWKSetURL = "https://x/" + strings.Repeat("a", 2048)
		}, "JWKSetURL"},
		{"issuer too long", func(a *registry.Application) { a.Issuer = strings.Repeat("a", 2049) }, "Issuer"},
		{"issuer bad utf8", func(a *registry.Application) { a.Issuer = "\xff" }, "Issuer"},
		{"audience too long", func(a *registry.Application) { a.Audience = strings.Repeat("a", 257) }, "Audience"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app := registrytest.App(1)
			tc.mutate(&app)
			err := app.Validate()
			if tc.wantField == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var verr *registry.ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("Validate() = %v, want *ValidationError", err)
			}
			if verr.Field != tc.wantField {
				t.Errorf("field = %q, want %q (err %v)", verr.Field, tc.wantField, err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "invalid "+tc.wantField+": ") {
				t.Errorf("message %q does not name the field first", msg)
			}
		})
	}
}

func TestValidTagValue(t *testing.T) {
	tests := []struct {
		value string
		ok    bool
	}{
		{"", true},
		{"Yellow", true},
		{"tenant-42_a.b:c/d=e+f@g h", true},
		{"Ünïcødé 名前 ٣", true},
		{strings.Repeat("ü", 256), true},
		{strings.Repeat("a", 257), false},
		{"a,b", false},
		{"a*b", false},
		{"a\nb", false},
		{"{\"x\":1}", false},
		{"a\xffb", false},
		{"../x", true}, // slash and dots are allowed by STS; the policy decides
	}
	for _, tc := range tests {
		err := registry.ValidTagValue(tc.value)
		if (err == nil) != tc.ok {
			t.Errorf("ValidTagValue(%q) = %v, want ok=%v", tc.value, err, tc.ok)
		}
		if err != nil && strings.Contains(err.Error(), tc.value) {
			t.Errorf("error %q repeats the value", err)
		}
	}
}
