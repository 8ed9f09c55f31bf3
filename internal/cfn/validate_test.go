package cfn

import (
	"strings"
	"testing"
)

func TestBuildValidation(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(o *Options)
		wantErr string // empty: valid
	}{
		{"defaults", func(o *Options) {}, ""},
		{"http loopback issuer", func(o *Options) { o.IssuerURL = "http://127.0.0.1:8080/issuer" }, ""},
		{"no thumbprint", func(o *Options) { o.Thumbprints = nil }, ""},
		{"all services explicit", func(o *Options) { o.Services = ValidServices() }, ""},
		{"max duration bounds", func(o *Options) { o.MaxSessionDuration = 43200 }, ""},
		{"missing issuer", func(o *Options) { o.IssuerURL = "" }, "issuer url is required"},
		{"http issuer", func(o *Options) { o.IssuerURL = "http://idp.example.com" }, "must use https"},
		{"relative issuer", func(o *Options) { o.IssuerURL = "idp.example.com" }, "not an absolute url"},
		{"issuer with query", func(o *Options) { o.IssuerURL = "https://idp.example.com/?a=b" }, "query"},
		{"no audience", func(o *Options) { o.Audiences = nil }, "no audience"},
		{"empty audience", func(o *Options) { o.Audiences = []string{" "} }, "audience 1 is empty"},
		{"duplicate audience", func(o *Options) { o.Audiences = []string{"a", "a"} }, "duplicate audience"},
		{"audience with space", func(o *Options) { o.Audiences = []string{"a b"} }, "whitespace"},
		{"uppercase thumbprint", func(o *Options) { o.Thumbprints = []string{strings.ToUpper(testTP)} }, "bad thumbprint"},
		{"short thumbprint", func(o *Options) { o.Thumbprints = []string{"abc"} }, "bad thumbprint"},
		{"colon thumbprint", func(o *Options) { o.Thumbprints = []string{"9e:99" + testTP[4:]} }, "bad thumbprint"},
		{"too many thumbprints", func(o *Options) {
			o.Thumbprints = []string{testTP, testTP, testTP, testTP, testTP, testTP}
		}, "at most 5"},
		{"duplicate thumbprint", func(o *Options) { o.Thumbprints = []string{testTP, testTP} }, "duplicate thumbprint"},
		{"unknown service", func(o *Options) { o.Services = []string{"athena", "dynamodb"} }, `unknown service "dynamodb"`},
		{"duplicate service", func(o *Options) { o.Services = []string{"s3ag", "s3ag"} }, "duplicate service"},
		{"duration too short", func(o *Options) { o.MaxSessionDuration = 900 }, "out of range"},
		{"duration too long", func(o *Options) { o.MaxSessionDuration = 43201 }, "out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := defaultOpts()
			tt.mutate(&o)
			tmpl, err := Build(o)
			if tt.wantErr == "" {
				if err != nil || tmpl == nil {
					t.Fatalf("Build() error = %v, want success", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Build() succeeded, want error containing %q", tt.wantErr)
			}
			msg := err.Error()
			if !strings.Contains(strings.ToLower(msg), strings.ToLower(tt.wantErr)) {
				t.Errorf("error %q does not contain %q", msg, tt.wantErr)
			}
			if msg[0] != strings.ToLower(msg[:1])[0] {
				t.Errorf("error %q is not lower-case", msg)
			}
		})
	}
}

func TestNormalizeThumbprint(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{testTP, testTP, true},
		{strings.ToUpper(testTP), testTP, true},
		{"9E:99:A4:8A:99:60:B1:49:26:BB:7F:3B:02:E2:2D:A2:B0:AB:72:80", testTP, true},
		{"  " + testTP + "\n", testTP, true},
		{"zz" + testTP[2:], "", false},
		{testTP + "00", "", false},
	}
	for _, tt := range tests {
		got, err := NormalizeThumbprint(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("NormalizeThumbprint(%q) = %q, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestBuildDoesNotAliasOptions(t *testing.T) {
	o := defaultOpts()
	tmpl, err := Build(o)
	if err != nil {
		t.Fatal(err)
	}
	o.Audiences[0] = "changed"
	p := tmpl.Resources[0].Resource.Properties.(oidcProviderProperties)
	if p.ClientIDList[0] == "changed" {
		t.Error("template shares the caller's audience slice")
	}
}
