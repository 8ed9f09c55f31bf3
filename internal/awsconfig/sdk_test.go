package awsconfig

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"
)

// TestGoSDKReadsEditedConfig loads the edited file with the Go SDK's own
// shared config loader: the edited profile has the new credential_process
// and the other profiles (with their sso-session and services sections)
// load exactly as before.
func TestGoSDKReadsEditedConfig(t *testing.T) {
	for _, eol := range []string{"\n", "\r\n"} {
		path := writeFile(t, strings.ReplaceAll(richConfig, "\n", eol))
		load := func(profile string) config.SharedConfig {
			t.Helper()
			c, err := config.LoadSharedConfigProfile(context.Background(), profile, func(o *config.LoadSharedConfigOptions) {
				o.ConfigFiles = []string{path}
				o.CredentialsFiles = []string{}
			})
			if err != nil {
				t.Fatalf("load %s: %v", profile, err)
			}
			return c
		}
		before := map[string]config.SharedConfig{"default": load("default"), "data": load("data")}
		line := CredentialProcessLine("/opt/tip cli/tip-cli", "auth", "get-iam-credentials", "--profile", "tip")
		if _, err := SetProfile(path, "tip", []KV{{"credential_process", line}, {"region", "ap-south-1"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := SetProfile(path, "fresh", []KV{{"credential_process", line}}); err != nil {
			t.Fatal(err)
		}
		for name, want := range before {
			if got := load(name); !reflect.DeepEqual(got, want) {
				t.Errorf("%q profile changed:\n%+v\n%+v", name, want, got)
			}
		}
		if c := load("data"); c.SSOSessionName != "corp" || c.Services.ServiceValues["s3"]["endpoint_url"] != "http://127.0.0.1:9000" {
			t.Errorf("data profile lost its sso-session/services: %+v", c)
		}
		for _, name := range []string{"tip", "fresh"} {
			if c := load(name); c.CredentialProcess != line {
				t.Errorf("%s credential_process = %q, want %q", name, c.CredentialProcess, line)
			}
		}
		if c := load("tip"); c.Region != "ap-south-1" {
			t.Errorf("tip region = %q", c.Region)
		}
	}
}
