package awsconfig

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
)

var quoteCases = [][]string{
	{"/usr/local/bin/tip-cli", "auth", "get-iam-credentials"},
	{"/usr/local/bin/tip-cli", "auth", "get-iam-credentials", "--profile", "data-team"},
	{"/home/a b/tip-cli", "s3ag", "get-data-access", "s3://bucket/pre fix/*", "--permission", "READ"},
	{"/opt/it's/tip-cli", `say "hi"`, `back\slash`, "$HOME", "`id`", "a;b", "", "~x", "x=y"},
}

func TestQuotePOSIX(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/usr/bin/tip-cli", "/usr/bin/tip-cli"},
		{"s3://b/p/*", "'s3://b/p/*'"},
		{"a b", "'a b'"},
		{"it's", `'it'"'"'s'`},
		{"", "''"},
		{"$HOME", "'$HOME'"},
		{"a #b", `'a '"#"'b'`},
		{"a\t;b c#d", `'a	'";"'b c#d'`},
		{"#x", "'#x'"},
	}
	for _, tt := range tests {
		if got := quotePOSIX(tt.in); got != tt.want {
			t.Errorf("quotePOSIX(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestQuoteWindows(t *testing.T) {
	tests := []struct{ in, want string }{
		{`C:\tools\tip-cli.exe`, `C:\tools\tip-cli.exe`},
		{`C:\Program Files\tip-cli\tip-cli.exe`, `"C:\Program Files\tip-cli\tip-cli.exe"`},
		{`a"b`, `"a\"b"`},
		{`a\"b`, `"a\\\"b"`},
		{`dir with space\`, `"dir with space\\"`},
		{"", `""`},
		{"a #b", `"a "#"b"`},
		{`a ;b\`, `"a ";"b\\"`},
		{"#x", `"#x"`},
		{";x", `";x"`},
	}
	for _, tt := range tests {
		if got := quoteWindows(tt.in); got != tt.want {
			t.Errorf("quoteWindows(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestCredentialProcessLineThroughShell runs the line the way the Go SDK
// does (sh -c) and checks every argument arrives unchanged.
func TestCredentialProcessLineThroughShell(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("sh")
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	for _, argv := range quoteCases {
		// printf stands in for the executable: the words after it are argv.
		line := "printf '%s\\0' " + CredentialProcessLine(argv[0], argv[1:]...)
		out, err := exec.Command(sh, "-c", line).Output()
		if err != nil {
			t.Fatalf("sh -c %s: %v", line, err)
		}
		got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
		if !reflect.DeepEqual(got, argv) {
			t.Errorf("sh split %s\n got %q\nwant %q", line, got, argv)
		}
	}
}

// TestCredentialProcessLineBotocore splits the line with botocore's own
// compat_shell_split (what the AWS CLI v1/v2 use for credential_process).
// Skipped when python3 with botocore is not installed.
func TestCredentialProcessLineBotocore(t *testing.T) {
	t.Parallel()
	py := botocorePython(t)
	lines := make([]string, len(quoteCases))
	for i, argv := range quoteCases {
		lines[i] = CredentialProcessLine(argv[0], argv[1:]...)
	}
	in, _ := json.Marshal(lines)
	cmd := exec.Command(py, "-c",
		"import sys, json; from botocore.compat import compat_shell_split as s; print(json.dumps([s(l) for l in json.load(sys.stdin)]))")
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("botocore split: %v", err)
	}
	var got [][]string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, quoteCases) {
		t.Errorf("botocore split %q\n got %q\nwant %q", lines, got, quoteCases)
	}
}

// botocorePython returns a python3 that imports botocore, skipping when
// there is none.
func botocorePython(t *testing.T) string {
	return need(t, findBotocorePython, "python3 with botocore not installed")
}

// need returns what find found, skipping t with why when it found nothing.
func need(t *testing.T, find func() string, why string) string {
	t.Helper()
	v := find()
	if v == "" {
		t.Skip(why)
	}
	return v
}

// findBotocorePython looks once per test binary: each look starts Python.
var findBotocorePython = sync.OnceValue(func() string {
	py, err := exec.LookPath("python3")
	if err != nil || exec.Command(py, "-c", "import botocore").Run() != nil {
		return ""
	}
	return py
})

// TestBotocoreReadsEditedConfig loads the edited file with botocore's
// config loader: every other profile, sso-session and services section is
// what it was, and the edited profile has the new credential_process.
func TestBotocoreReadsEditedConfig(t *testing.T) {
	t.Parallel()
	py := botocorePython(t)
	path := writeFile(t, strings.ReplaceAll(richConfig, "\n", "\r\n"))
	orig := filepath.Join(t.TempDir(), "orig")
	if err := os.WriteFile(orig, []byte(readFile(t, path)), 0o600); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(t.TempDir(), "my tools", "tip-cli")
	line := CredentialProcessLine(exe, "auth", "get-iam-credentials", "--profile", "tip")
	if _, err := SetProfile(path, "tip", []KV{{"credential_process", line}}); err != nil {
		t.Fatal(err)
	}
	if _, err := SetProfile(path, "new", []KV{{"credential_process", line}, {"region", "eu-central-1"}}); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, "-c",
		"import sys, json; from botocore.configloader import load_config as l; print(json.dumps([l(p) for p in sys.argv[1:]]))",
		orig, path).Output()
	if err != nil {
		t.Fatalf("botocore load_config: %v", err)
	}
	var loaded []map[string]any
	if err := json.Unmarshal(out, &loaded); err != nil || len(loaded) != 2 {
		t.Fatalf("botocore output %s: %v", out, err)
	}
	before, after := loaded[0], loaded[1]
	profiles := after["profiles"].(map[string]any)
	if got := profiles["tip"].(map[string]any)["credential_process"]; got != line {
		t.Errorf("tip credential_process = %v, want %s", got, line)
	}
	if got := profiles["new"].(map[string]any)["region"]; got != "eu-central-1" {
		t.Errorf("new region = %v", got)
	}
	delete(profiles, "new")
	profiles["tip"].(map[string]any)["credential_process"] = "/old/tip-cli auth get-iam-credentials"
	if !reflect.DeepEqual(before, after) {
		t.Errorf("botocore sees other changes:\nbefore %v\nafter  %v", before, after)
	}
}
