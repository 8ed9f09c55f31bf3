package awsconfig

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// richConfig has everything SetProfile must leave alone.
const richConfig = `# AWS config — hand edited, keep my comments
; semicolon comment too

[default]
region = eu-west-1
output = json

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[services local]
s3 =
  endpoint_url = http://127.0.0.1:9000
  addressing_style = path
sts =
  endpoint_url = http://127.0.0.1:5000

[profile tip]
# managed by tip-cli
credential_process = /old/tip-cli auth get-iam-credentials
region = us-east-1

# the next profile is for the data team
[profile data]
sso_session = corp
sso_account_id = 123456789012
services = local
`

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSetProfile(t *testing.T) {
	cp := KV{"credential_process", "/usr/bin/tip-cli auth get-iam-credentials --profile tip"}
	tests := []struct {
		name     string
		in       string
		profile  string
		settings []KV
		want     string
		created  bool
	}{
		{
			name: "update in place and append missing key", in: richConfig, profile: "tip",
			settings: []KV{cp, {"output", "json"}},
			want: strings.Replace(richConfig,
				"credential_process = /old/tip-cli auth get-iam-credentials\nregion = us-east-1\n",
				"credential_process = /usr/bin/tip-cli auth get-iam-credentials --profile tip\nregion = us-east-1\noutput = json\n", 1),
		},
		{
			name: "new profile appended", in: richConfig, profile: "tip2", settings: []KV{cp},
			want: richConfig + "\n[profile tip2]\n" + "credential_process = " + cp.Value + "\n", created: true,
		},
		{
			name: "default profile edits [default]", in: richConfig, profile: "default",
			settings: []KV{{"region", "us-west-2"}, cp},
			want: strings.Replace(richConfig, "region = eu-west-1\noutput = json\n",
				"region = us-west-2\noutput = json\ncredential_process = "+cp.Value+"\n", 1),
		},
		{
			name: "default profile as [profile default]", in: "[profile default]\nregion = x\n", profile: "default",
			settings: []KV{{"region", "y"}}, want: "[profile default]\nregion = y\n",
		},
		{
			name: "new default profile", in: "[profile a]\nregion = x", profile: "default",
			settings: []KV{{"region", "y"}}, want: "[profile a]\nregion = x\n\n[default]\nregion = y\n", created: true,
		},
		{
			name: "empty file", in: "", profile: "tip", settings: []KV{cp},
			want: "[profile tip]\ncredential_process = " + cp.Value + "\n", created: true,
		},
		{
			name: "windows line endings kept", in: "# c\r\n[profile tip]\r\nregion = a\r\n\r\n[profile b]\r\nregion = b\r\n",
			profile: "tip", settings: []KV{{"region", "z"}, {"output", "text"}},
			want: "# c\r\n[profile tip]\r\nregion = z\r\noutput = text\r\n\r\n[profile b]\r\nregion = b\r\n",
		},
		{
			name: "windows line endings in new section", in: "[default]\r\nregion = a\r\n",
			profile: "n", settings: []KV{{"region", "b"}},
			want: "[default]\r\nregion = a\r\n\r\n[profile n]\r\nregion = b\r\n", created: true,
		},
		{
			name: "no final newline, key appended", in: "[profile tip]\nregion = a", profile: "tip",
			settings: []KV{{"output", "json"}}, want: "[profile tip]\nregion = a\noutput = json\n",
		},
		{
			name: "no final newline, key replaced", in: "[profile tip]\nregion = a", profile: "tip",
			settings: []KV{{"region", "b"}}, want: "[profile tip]\nregion = b",
		},
		{
			name: "continuation lines replaced with the key", profile: "tip",
			in:       "[profile tip]\ncredential_process = a\n  b\n\n  c\nregion = r\n",
			settings: []KV{{"credential_process", "x"}}, want: "[profile tip]\ncredential_process = x\nregion = r\n",
		},
		{
			name: "nested sub-section of the profile kept", profile: "tip",
			in:       "[profile tip]\ns3 =\n  max_concurrent_requests = 20\n# trailing\n\n[profile b]\n",
			settings: []KV{{"region", "r"}},
			want:     "[profile tip]\ns3 =\n  max_concurrent_requests = 20\nregion = r\n# trailing\n\n[profile b]\n",
		},
		{
			name: "duplicate key collapsed, case-insensitive match", profile: "tip",
			in:       "[profile tip]\nREGION=a\noutput=json\nregion : b\n",
			settings: []KV{{"region", "c"}}, want: "[profile tip]\nregion = c\noutput=json\n",
		},
		{
			name: "unchanged value keeps user formatting", profile: "tip",
			in:       "[profile tip]\nregion=us-east-1   \n",
			settings: []KV{{"region", "us-east-1"}}, want: "[profile tip]\nregion=us-east-1   \n",
		},
		{
			name: "spacing inside header tolerated", profile: "tip",
			in:       "[ profile   tip ]\nregion = a\n",
			settings: []KV{{"region", "b"}}, want: "[ profile   tip ]\nregion = b\n",
		},
		{
			name: "header inside a value is not a header", profile: "tip",
			in:       "[profile x]\nnote = a\n  [profile tip]\n",
			settings: []KV{{"region", "b"}},
			want:     "[profile x]\nnote = a\n  [profile tip]\n\n[profile tip]\nregion = b\n", created: true,
		},
		{
			name: "empty section gets keys after header", profile: "tip",
			in:       "[profile tip]\n\n# about b\n[profile b]\n",
			settings: []KV{{"region", "b"}}, want: "[profile tip]\nregion = b\n\n# about b\n[profile b]\n",
		},
		{
			name: "replaced line keeps its indentation", profile: "tip",
			in:       "[profile tip]\n    region = a\n  output = json\n",
			settings: []KV{{"region", "b"}}, want: "[profile tip]\n    region = b\n  output = json\n",
		},
		{
			name: "appended line takes the last option's indentation", profile: "tip",
			in:       "[profile tip]\n    region = a\n  [profile y]\n",
			settings: []KV{{"output", "json"}}, want: "[profile tip]\n    region = a\n    output = json\n  [profile y]\n",
		},
		{
			name: "empty section before an indented header", profile: "tip",
			in:       "[profile tip]\n  [profile y]\nk = v\n",
			settings: []KV{{"region", "b"}}, want: "[profile tip]\n  region = b\n  [profile y]\nk = v\n",
		},
		{
			name: "prefix-named profile untouched", profile: "tip",
			in:       "[profile tip-dev]\nregion = a\n",
			settings: []KV{{"region", "b"}}, want: "[profile tip-dev]\nregion = a\n\n[profile tip]\nregion = b\n", created: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.in)
			created, err := SetProfile(path, tt.profile, tt.settings)
			if err != nil {
				t.Fatal(err)
			}
			if got := readFile(t, path); got != tt.want {
				t.Errorf("file =\n%q\nwant\n%q", got, tt.want)
			}
			if created != tt.created {
				t.Errorf("created = %v, want %v", created, tt.created)
			}
			// Idempotent: a second identical call changes nothing.
			created, err = SetProfile(path, tt.profile, tt.settings)
			if err != nil || created {
				t.Fatalf("second SetProfile = %v, %v", created, err)
			}
			if got := readFile(t, path); got != tt.want {
				t.Errorf("second call changed the file:\n%q", got)
			}
		})
	}
}

func TestSetProfileCreatesFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "home", ".aws")
	path := filepath.Join(dir, "config")
	created, err := SetProfile(path, "tip", []KV{{"region", "us-east-1"}})
	if err != nil || !created {
		t.Fatalf("SetProfile = %v, %v", created, err)
	}
	if got := readFile(t, path); got != "[profile tip]\nregion = us-east-1\n" {
		t.Errorf("content = %q", got)
	}
	if runtime.GOOS == "windows" {
		return
	}
	for p, want := range map[string]os.FileMode{path: 0o600, dir: 0o700} {
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got != want {
			t.Errorf("%s mode = %o, want %o", p, got, want)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temp files left behind: %v", entries)
	}
}

func TestSetProfileKeepsModeAndSymlink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("unix permissions and symlinks")
	}
	dir := t.TempDir()
	real := filepath.Join(dir, "dotfiles-config")
	if err := os.WriteFile(real, []byte("[default]\nregion = a\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(real, 0o640); err != nil { // regardless of umask
		t.Fatal(err)
	}
	link := filepath.Join(dir, "config")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if _, err := SetProfile(link, "tip", []KV{{"region", "b"}}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("symlink replaced by a file: %v %v", fi.Mode(), err)
	}
	info, err := os.Stat(real)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o640 {
		t.Errorf("mode = %o, want 640", info.Mode().Perm())
	}
	if got := readFile(t, real); got != "[default]\nregion = a\n\n[profile tip]\nregion = b\n" {
		t.Errorf("content = %q", got)
	}
}

func TestSetProfileRejects(t *testing.T) {
	tests := []struct {
		name     string
		profile  string
		settings []KV
		wantErr  string
	}{
		{"empty name", "", nil, "profile name is empty"},
		{"bracket", "a]b", nil, "invalid profile name"},
		{"newline", "a\nb", nil, "invalid profile name"},
		{"space", "a b", nil, "invalid profile name"},
		{"leading dash", "-x", nil, "invalid profile name"},
		{"quote", `a"b`, nil, "invalid profile name"},
		{"bad key", "ok", []KV{{"a=b", "v"}}, "invalid setting name"},
		{"empty key", "ok", []KV{{"", "v"}}, "invalid setting name"},
		{"newline value", "ok", []KV{{"region", "a\n[profile x]"}}, "single line"},
		{"duplicate key", "ok", []KV{{"region", "a"}, {"Region", "b"}}, "given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, richConfig)
			_, err := SetProfile(path, tt.profile, tt.settings)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want %q", err, tt.wantErr)
			}
			if readFile(t, path) != richConfig {
				t.Error("file changed on error")
			}
		})
	}
}

func TestPath(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    string
		wantErr bool
	}{
		{"env var wins", map[string]string{"AWS_CONFIG_FILE": "/etc/aws.cfg", "HOME": "/h"}, "/etc/aws.cfg", false},
		{"tilde expanded", map[string]string{"AWS_CONFIG_FILE": "~/cfg/aws", "HOME": "/h"}, filepath.Join("/h", "cfg", "aws"), false},
		{"home default", map[string]string{"HOME": "/h"}, filepath.Join("/h", ".aws", "config"), false},
		{"no home", map[string]string{}, "", true},
	}
	if runtime.GOOS == "windows" {
		t.Skip("HOME-based cases")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Path(func(k string) string { return tt.env[k] })
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("Path() = %q, %v; want %q, err %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestProfileSection(t *testing.T) {
	for name, want := range map[string]string{"default": "[default]", "tip": "[profile tip]", "a.b@c": "[profile a.b@c]"} {
		if got := ProfileSection(name); got != want {
			t.Errorf("ProfileSection(%q) = %q, want %q", name, got, want)
		}
	}
}
