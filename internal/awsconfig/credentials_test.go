package awsconfig

import (
	"context"
	"net/http"
	"net/http/httptest"
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

const credentialsFile = `# shared credentials; keep this comment
[default]
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key = secret ; not a comment for botocore

[profile tip]
; a profile named "profile tip" (botocore reads the credentials file's headers whole)
region = eu-west-1
`

func TestSetCredentialsProfile(t *testing.T) {
	t.Parallel()
	path := writeFile(t, credentialsFile)
	line := CredentialProcessLine("/usr/local/bin/tip-credential-process", "--profile", "dev", "auth", "get-iam-credentials")
	created, err := SetCredentialsProfile(path, "tip", []KV{{"credential_process", line}})
	if err != nil || !created {
		t.Fatalf("SetCredentialsProfile = %v, %v", created, err)
	}
	want := credentialsFile + "\n[tip]\ncredential_process = " + line + "\n"
	if got := readFile(t, path); got != want {
		t.Fatalf("file:\n%s\nwant:\n%s", got, want)
	}
	if QuotedForMinio(line) {
		t.Errorf("usual line %q is quoted: minio-go cannot run it", line)
	}
	// Again: nothing changes. Updated: in place, the rest kept.
	if created, err := SetCredentialsProfile(path, "tip", []KV{{"credential_process", line}}); err != nil || created || readFile(t, path) != want {
		t.Fatalf("second write: %v, %v, file changed: %v", created, err, readFile(t, path) != want)
	}
	line2 := strings.Replace(line, "dev", "prod", 1)
	if _, err := SetCredentialsProfile(path, "tip", []KV{{"credential_process", line2}}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != strings.Replace(want, line, line2, 1) {
		t.Errorf("update:\n%s", got)
	}
	// A section with static keys is refused, the file untouched.
	before := readFile(t, path)
	_, err = SetCredentialsProfile(path, "default", []KV{{"credential_process", line}})
	if err == nil || !strings.Contains(err.Error(), "[default] in "+path+" holds aws_access_key_id") {
		t.Errorf("static profile: %v", err)
	}
	if readFile(t, path) != before {
		t.Error("file changed by a refused write")
	}
	if _, err := SetCredentialsProfile(path, "x", []KV{{"credential_process", "a #b"}}); err == nil {
		t.Error("a value the readers disagree on was written")
	}
}

func TestCredentialsPath(t *testing.T) {
	t.Parallel()
	env := map[string]string{"HOME": "/home/a"}
	get := func(k string) string { return env[k] }
	if p, err := CredentialsPath(get); err != nil || p != filepath.Join("/home/a", ".aws", "credentials") {
		t.Errorf("default: %q, %v", p, err)
	}
	env["AWS_SHARED_CREDENTIALS_FILE"] = "~/creds"
	if p, err := CredentialsPath(get); err != nil || p != filepath.Join("/home/a", "creds") {
		t.Errorf("AWS_SHARED_CREDENTIALS_FILE: %q, %v", p, err)
	}
}

// credCLI writes an executable in a directory without spaces that records
// its arguments in $TIP_ARGV_OUT and prints credential_process JSON.
func credCLI(t *testing.T) string {
	t.Helper()
	exe := filepath.Join(t.TempDir(), "tip-credential-process")
	script := `#!/bin/sh
: > "$TIP_ARGV_OUT"
for a in "$@"; do printf '%s\0' "$a" >> "$TIP_ARGV_OUT"; done
echo '{"Version":1,"AccessKeyId":"AKIDCREDFILE","SecretAccessKey":"s","SessionToken":"t","Expiration":"2099-01-01T00:00:00Z"}'
`
	if err := os.WriteFile(exe, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	return exe
}

// TestCredentialsFileReaders writes a credential_process into the shared
// credentials file and has clients that read it run it: the Go SDK,
// botocore (the AWS CLI's), the AWS CLI v2 when installed, and restic
// (minio-go, which splits the line on spaces) when installed.
func TestCredentialsFileReaders(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX executables")
	}
	exe := credCLI(t)
	args := []string{"--profile", "team-1", "s3ag", "get-data-access", "s3://bucket/prefix/", "--permission", "READ"}
	path := writeFile(t, credentialsFile)
	line := CredentialProcessLine(exe, args...)
	if _, err := SetCredentialsProfile(path, "tip", []KV{{"credential_process", line}}); err != nil {
		t.Fatal(err)
	}
	if QuotedForMinio(line) {
		t.Fatalf("line %q has quotes", line)
	}
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_PROFILE", "tip")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", path)
	t.Setenv("AWS_REGION", "us-east-1")
	readers := map[string]func(t *testing.T) string{
		"go-sdk": func(t *testing.T) string {
			cfg, err := config.LoadDefaultConfig(context.Background(), config.WithSharedConfigFiles([]string{}),
				config.WithSharedCredentialsFiles([]string{path}), config.WithSharedConfigProfile("tip"))
			if err != nil {
				t.Fatal(err)
			}
			c, err := cfg.Credentials.Retrieve(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			return c.AccessKeyID
		},
		"botocore": func(t *testing.T) string {
			return runReader(t, exec.Command(botocorePython(t), "-c",
				`import botocore.session as s; print(s.Session(profile="tip").get_credentials().get_frozen_credentials().access_key)`))
		},
		"aws-cli-v2": func(t *testing.T) string {
			out := runReader(t, exec.Command(awsCLIv2Python(t), "-c", `import sys
from awscli.clidriver import create_clidriver
sys.exit(create_clidriver().main(["configure", "export-credentials", "--profile", "tip", "--format", "env-no-export"]))`))
			for _, l := range strings.Split(out, "\n") {
				if v, ok := strings.CutPrefix(l, "AWS_ACCESS_KEY_ID="); ok {
					return v
				}
			}
			return out
		},
		"restic": func(t *testing.T) string { return resticAccessKey(t) },
	}
	for name, read := range readers {
		t.Run(name, func(t *testing.T) {
			argv := filepath.Join(t.TempDir(), "argv")
			t.Setenv("TIP_ARGV_OUT", argv)
			if key := read(t); key != "AKIDCREDFILE" {
				t.Errorf("access key %q", key)
			}
			if got := readArgv(t, argv); !reflect.DeepEqual(got, args) {
				t.Errorf("ran with %q, want %q", got, args)
			}
		})
	}
}

// resticAccessKey runs restic against a loopback S3 stand-in that answers
// every request 404 and returns the access key of the first signed
// request: restic's S3 backend (minio-go) takes its credentials from the
// credentials file's credential_process.
func resticAccessKey(t *testing.T) string {
	t.Helper()
	restic, err := exec.LookPath("restic")
	if err != nil {
		t.Skip("restic not installed (apt-get install -y restic)")
	}
	var mu sync.Mutex
	var key string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, rest, ok := strings.Cut(r.Header.Get("Authorization"), "Credential="); ok {
			mu.Lock()
			if key == "" {
				key, _, _ = strings.Cut(rest, "/")
			}
			mu.Unlock()
		}
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>no</Message></Error>`))
	}))
	defer srv.Close()
	cmd := exec.Command(restic, "-r", "s3:"+srv.URL+"/bucket", "--no-cache", "cat", "config")
	cmd.Env = append(os.Environ(), "RESTIC_PASSWORD=x", "HOME="+t.TempDir())
	out, _ := cmd.CombinedOutput() // fails: there is no repository
	mu.Lock()
	defer mu.Unlock()
	if key == "" {
		t.Fatalf("restic sent no signed request: %s", out)
	}
	return key
}
