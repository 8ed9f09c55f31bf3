package awsconfig

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"
)

// commentCases are credential_process commands whose words hold what the
// Go SDK's config reader takes for an inline comment (" #", " ;", tab
// variants): S3 keys, tip-cli profile names, the executable's directory.
var commentCases = [][]string{
	{"s3ag", "get-data-access", "s3://bucket/q1 #draft/ ;old*", "--permission", "READ"},
	{"--profile", "team #1", "auth", "get-iam-credentials"},
	{"s3ag", "get-data-access", "s3://bucket/a\t#b\t;c/", "--permission", "WRITE"},
	{"x #", "#lead", ";semi", "it's #1", "a  ##b", "auth", "get-iam-credentials"},
}

// fakeCLI writes an executable, in a directory whose name has " #" and
// " ;", that records its arguments (NUL-separated) in $TIP_ARGV_OUT and
// prints credential_process JSON.
func fakeCLI(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "my #tools ;x")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "tip cli")
	script := `#!/bin/sh
: > "$TIP_ARGV_OUT"
for a in "$@"; do printf '%s\0' "$a" >> "$TIP_ARGV_OUT"; done
echo '{"Version":1,"AccessKeyId":"AKIDREADERS","SecretAccessKey":"s","SessionToken":"t","Expiration":"2099-01-01T00:00:00Z"}'
`
	if err := os.WriteFile(exe, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	return exe
}

func readArgv(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the command did not run: %v", err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
}

// TestReadersRunSameCommand writes profiles whose credential_process
// words contain comment markers, then has the three readers run them: the
// Go SDK (LoadDefaultConfig + processcreds, via sh -c), botocore (boto3
// and the AWS CLI v1) and the AWS CLI v2 (`aws configure
// export-credentials`). Each must run the fake executable with exactly
// the arguments given.
//
// Each Python reader reads every profile in one interpreter (a fresh
// botocore Session, or a fresh AWS CLI driver, per profile): starting the
// AWS CLI v2 costs about a second of CPU, and the profiles are what is
// under test, not the interpreter's start.
func TestReadersRunSameCommand(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX shell quoting")
	}
	exe := fakeCLI(t)
	path := filepath.Join(t.TempDir(), "config")
	profiles := make([]string, len(commentCases))
	for i, args := range commentCases {
		line := CredentialProcessLine(exe, args...)
		for _, c := range []string{" #", " ;", "\t#", "\t;"} {
			if strings.Contains(line, c) {
				t.Fatalf("line %q still contains %q", line, c)
			}
		}
		profiles[i] = profileName(i)
		if _, err := SetProfile(path, profiles[i], []KV{{"credential_process", line}}); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
	}
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", path)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_REGION", "us-east-1")

	// A reader runs the credential_process of each profile with
	// TIP_ARGV_OUT = dir/<profile>.argv and returns the access keys read.
	readers := map[string]func(t *testing.T, dir string) []string{
		"go-sdk": func(t *testing.T, dir string) []string {
			var keys []string
			for _, p := range profiles {
				t.Setenv("TIP_ARGV_OUT", filepath.Join(dir, p+".argv"))
				cfg, err := config.LoadDefaultConfig(context.Background(), config.WithSharedConfigFiles([]string{path}),
					config.WithSharedCredentialsFiles([]string{}), config.WithSharedConfigProfile(p), config.WithRegion("us-east-1"))
				if err != nil {
					t.Fatal(err)
				}
				c, err := cfg.Credentials.Retrieve(context.Background())
				if err != nil {
					t.Fatalf("go sdk, profile %s: %v", p, err)
				}
				keys = append(keys, c.AccessKeyID)
			}
			return keys
		},
		"botocore": func(t *testing.T, dir string) []string {
			return runPythonReader(t, botocorePython(t), dir, botocoreReader)
		},
		"aws-cli-v2": func(t *testing.T, dir string) []string {
			return runPythonReader(t, awsCLIv2Python(t), dir, awsCLIv2Reader)
		},
	}
	for name, read := range readers {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			keys := read(t, dir)
			if len(keys) != len(profiles) {
				t.Fatalf("read %d profiles, want %d", len(keys), len(profiles))
			}
			for i, args := range commentCases {
				if keys[i] != "AKIDREADERS" {
					t.Errorf("%s: access key %q", profiles[i], keys[i])
				}
				if got := readArgv(t, filepath.Join(dir, profiles[i]+".argv")); !reflect.DeepEqual(got, args) {
					t.Errorf("%s: ran with %q, want %q", profiles[i], got, args)
				}
			}
		})
	}
}

// botocoreReader and awsCLIv2Reader read the credentials of each profile
// named in argv[2:], with TIP_ARGV_OUT = argv[1]/<profile>.argv, and print
// one access key per line. The AWS CLI v2 is run through its own driver,
// which is all its entry point (/usr/bin/aws) does.
const (
	botocoreReader = `import os, sys, botocore.session as s
for p in sys.argv[2:]:
    os.environ["TIP_ARGV_OUT"] = os.path.join(sys.argv[1], p + ".argv")
    print(s.Session(profile=p).get_credentials().get_frozen_credentials().access_key)
`
	awsCLIv2Reader = `import contextlib, io, json, os, sys
from awscli.clidriver import create_clidriver
for p in sys.argv[2:]:
    os.environ["TIP_ARGV_OUT"] = os.path.join(sys.argv[1], p + ".argv")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = create_clidriver().main(["configure", "export-credentials", "--profile", p, "--format", "process"])
    if rc != 0:
        sys.exit("aws configure export-credentials --profile %s: exit %d" % (p, rc))
    print(json.loads(out.getvalue())["AccessKeyId"])
`
)

func runPythonReader(t *testing.T, py, dir, script string) []string {
	t.Helper()
	args := []string{"-c", script, dir}
	for i := range commentCases {
		args = append(args, profileName(i))
	}
	return strings.Split(runReader(t, exec.Command(py, args...)), "\n")
}

func profileName(i int) string { return "c" + string(rune('0'+i)) }

func runReader(t *testing.T, cmd *exec.Cmd) string {
	t.Helper()
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("%s: %v: %s", cmd.Args[0], err, stderr)
	}
	return strings.TrimSpace(string(out))
}

// awsCLIv2Python returns the Python interpreter of Debian's AWS CLI v2
// (/usr/bin/aws, a Python script importing awscli.clidriver), skipping
// when it is not installed. (The bundled binary of AWS's own installers
// has no importable driver; .ci/run installs Debian's awscli.)
func awsCLIv2Python(t *testing.T) string {
	return need(t, findAWSCLIv2Python, "AWS CLI v2 not installed (apt-get install -y awscli)")
}

var findAWSCLIv2Python = sync.OnceValue(func() string {
	b, err := os.ReadFile("/usr/bin/aws")
	if err != nil || !strings.HasPrefix(string(b), "#!/usr/bin/python3") || !strings.Contains(string(b), "import awscli.clidriver") {
		return ""
	}
	v, err := exec.Command("/usr/bin/python3", "-c", "import awscli; print(awscli.__version__)").Output()
	if err != nil || !strings.HasPrefix(string(v), "2.") {
		return ""
	}
	return "/usr/bin/python3"
})

// TestRefusedWhereReadersDisagree: values the Go SDK and botocore would
// read differently are refused with a clear error, and the file is not
// touched.
func TestRefusedWhereReadersDisagree(t *testing.T) {
	tests := []struct{ value, want string }{
		{"/bin/tip-cli auth #x", `contains " #"`},
		{"a ;b", `contains " ;"`},
		{"a\t#b", `contains "\t#"`},
		{" lead", "white space"},
		{"trail ", "white space"},
		{"'/opt/a b/tip-cli' s3ag get-data-access 's3://b/k'", "wrapped in ' quotes"},
		{`"x"`, `wrapped in " quotes`},
	}
	path := writeFile(t, "[profile keep]\nregion = us-east-1\n")
	for _, tt := range tests {
		_, err := SetProfile(path, "tip", []KV{{"credential_process", tt.value}})
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "setting credential_process: ") {
			t.Errorf("SetProfile(%q) = %v, want %q", tt.value, err, tt.want)
		}
	}
	if got := readFile(t, path); got != "[profile keep]\nregion = us-east-1\n" {
		t.Errorf("file changed: %q", got)
	}
}

// TestWindowsLineBotocoreSplit splits the Windows form of the comment
// cases with botocore's own Windows splitter (compat_shell_split with
// platform win32, what the AWS CLI runs on Windows). cmd.exe, through
// which the Go SDK runs it there, cannot run on this machine.
func TestWindowsLineBotocoreSplit(t *testing.T) {
	t.Parallel()
	py := botocorePython(t)
	var lines []string
	var want [][]string
	for _, args := range commentCases {
		argv := append([]string{`C:\Program Files\my #tools\tip-cli.exe`}, args...)
		words := make([]string, len(argv))
		for i, a := range argv {
			words[i] = quoteWindows(a)
		}
		line := strings.Join(words, " ")
		if readersAgree(line) != nil {
			t.Fatalf("windows line %q: %v", line, readersAgree(line))
		}
		lines, want = append(lines, line), append(want, argv)
	}
	in, _ := json.Marshal(lines)
	cmd := exec.Command(py, "-c",
		"import sys, json; from botocore.compat import compat_shell_split as s; print(json.dumps([s(l, 'win32') for l in json.load(sys.stdin)]))")
	cmd.Stdin = strings.NewReader(string(in))
	var got [][]string
	if err := json.Unmarshal([]byte(runReader(t, cmd)), &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("botocore win32 split\n got %q\nwant %q", got, want)
	}
}

// FuzzCredentialProcessLine: for any words, neither quoting writes a
// space or tab followed by # or ; (where the Go SDK would cut the value),
// so the line passes readersAgree unless it starts and ends with a quote.
func FuzzCredentialProcessLine(f *testing.F) {
	f.Add("/opt/my #tools/tip-cli", "s3://b/a ;b", "\t#x")
	f.Add("x", "'", " #'#")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		for _, quote := range []func(string) string{quotePOSIX, quoteWindows} {
			line := quote(a) + " " + quote(b) + " " + quote(c)
			for _, m := range []string{" #", " ;", "\t#", "\t;"} {
				if strings.Contains(line, m) {
					t.Fatalf("line %q contains %q", line, m)
				}
			}
		}
	})
}
