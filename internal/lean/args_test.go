package lean

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func env(kv ...string) func(string) string {
	return func(k string) string {
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i] == k {
				return kv[i+1]
			}
		}
		return ""
	}
}

func TestParse(t *testing.T) {
	iam := request{kind: kindIAM, profile: "default", format: "process", permission: "READ", privilege: "Default"}
	with := func(r request, fn func(*request)) request { fn(&r); return r }
	tests := []struct {
		name string
		args []string
		env  func(string) string
		want request
		ok   bool
	}{
		{"plain", []string{"auth", "get-iam-credentials"}, env(), iam, true},
		{"profile before", []string{"--profile", "w", "auth", "get-iam-credentials"}, env(), with(iam, func(r *request) { r.profile = "w" }), true},
		{"profile between", []string{"auth", "--profile=w", "get-iam-credentials"}, env(), with(iam, func(r *request) { r.profile = "w" }), true},
		{"profile env", []string{"auth", "get-iam-credentials"}, env("TIP_CLI_PROFILE", "e"), with(iam, func(r *request) { r.profile = "e" }), true},
		{"flag beats env", []string{"auth", "get-iam-credentials", "--profile", "f"}, env("TIP_CLI_PROFILE", "e"), with(iam, func(r *request) { r.profile = "f" }), true},
		{"last format wins", []string{"auth", "get-iam-credentials", "--format", "env", "--format=json"}, env(), with(iam, func(r *request) { r.format = "json" }), true},
		{"policies", []string{"auth", "get-iam-credentials", "--policy", "{}", "--policy-arn", "a", "--policy-arn=b"}, env(),
			with(iam, func(r *request) { r.policy, r.policyARNs = "{}", []string{"a", "b"} }), true},
		{"margin", []string{"auth", "get-iam-credentials", "--refresh-margin", "5m", "--timeout=1s", "--device=false", "--non-interactive"}, env(),
			with(iam, func(r *request) { r.margin = 5 * time.Minute }), true},
		{"s3ag", []string{"s3ag", "get-data-access", "--permission", "WRITE", "s3://b/p/", "--duration-seconds", "0x384", "--privilege=minimal"}, env(),
			request{kind: kindS3AG, profile: "default", format: "process", permission: "WRITE", privilege: "minimal", target: "s3://b/p/", durationSeconds: 900}, true},
		{"force refresh", []string{"auth", "get-iam-credentials", "--force-refresh"}, env(), request{}, false},
		{"force refresh false", []string{"auth", "get-iam-credentials", "--force-refresh=false"}, env(), iam, true},
		{"force new creds", []string{"s3ag", "get-data-access", "s3://b/", "--force-new-creds=1"}, env(), request{}, false},
		{"bool with separate value", []string{"auth", "get-iam-credentials", "--device", "false"}, env(), request{}, false},
		{"bad bool", []string{"auth", "get-iam-credentials", "--device=maybe"}, env(), request{}, false},
		{"bad duration", []string{"auth", "get-iam-credentials", "--timeout", "soon"}, env(), request{}, false},
		{"int32 overflow", []string{"s3ag", "get-data-access", "s3://b/", "--duration-seconds", "4294967296"}, env(), request{}, false},
		{"debug", []string{"--debug", "auth", "get-iam-credentials"}, env(), request{}, false},
		{"help", []string{"auth", "get-iam-credentials", "-h"}, env(), request{}, false},
		{"double dash", []string{"auth", "get-iam-credentials", "--"}, env(), request{}, false},
		{"command flag before command", []string{"auth", "--format", "env", "get-iam-credentials"}, env(), request{}, false},
		{"s3ag flag on iam", []string{"auth", "get-iam-credentials", "--permission", "READ"}, env(), request{}, false},
		{"iam flag on s3ag", []string{"s3ag", "get-data-access", "s3://b/", "--policy", "{}"}, env(), request{}, false},
		{"missing value", []string{"auth", "get-iam-credentials", "--format"}, env(), request{}, false},
		{"value like a flag", []string{"auth", "get-iam-credentials", "--profile", "--format"}, env(), request{}, false},
		{"empty profile", []string{"auth", "get-iam-credentials", "--profile="}, env(), request{}, false},
		{"extra word", []string{"auth", "get-iam-credentials", "x"}, env(), request{}, false},
		{"s3ag without URI", []string{"s3ag", "get-data-access"}, env(), request{}, false},
		{"s3ag two URIs", []string{"s3ag", "get-data-access", "s3://a/", "s3://b/"}, env(), request{}, false},
		{"other command", []string{"auth", "status"}, env(), request{}, false},
		{"nothing", nil, env(), request{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parse(tt.args, tt.env)
			if ok != tt.ok {
				t.Fatalf("parse(%q) ok = %v, want %v", tt.args, ok, tt.ok)
			}
			if ok && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parse(%q) = %+v, want %+v", tt.args, got, tt.want)
			}
		})
	}
}

// FuzzParse: any argument vector parses without panicking, and what is
// accepted names a served command with a profile.
func FuzzParse(f *testing.F) {
	f.Add("auth\x00get-iam-credentials\x00--format\x00env")
	f.Add("--profile=w\x00s3ag\x00get-data-access\x00s3://b/\x00--duration-seconds\x00900")
	f.Add("auth\x00get-iam-credentials\x00--policy-arn\x00a\x00--refresh-margin=1m")
	f.Fuzz(func(t *testing.T, joined string) {
		args := strings.Split(joined, "\x00")
		r, ok := parse(args, env())
		if !ok {
			return
		}
		if r.profile == "" || (r.kind != kindIAM && r.kind != kindS3AG) || (r.kind == kindS3AG) != (r.target != "") && r.target != "" {
			t.Errorf("parse(%q) accepted %+v", args, r)
		}
		for _, a := range args {
			if a == "--" || a == "-h" || a == "--help" || strings.HasPrefix(a, "--debug") || a == "--force-refresh" {
				t.Errorf("parse(%q) accepted %q", args, a)
			}
		}
	})
}
