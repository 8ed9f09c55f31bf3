package configure

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/lean"
)

// awsProfile returns the options of `[--profile profile] configure
// aws-profile name` run as the tip-cli at exe, the AWS files in dir.
func (w *world) awsProfile(exe, profile, name string) *AWSProfileOptions {
	return &AWSProfileOptions{IO: w.ios, Getenv: func(k string) string { return w.env[k] },
		Executable: func() (string, error) { return exe, nil }, Profile: profile, LoadConfig: w.loadConfig,
		Name: name, Permission: "READ"}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestAWSProfile: [profile NAME] gets the credential_process line for the
// selected tip-cli profile (get-iam-credentials, or get-data-access with
// --s3ag) and the profile's region, or --region; the file's other lines
// stay, and writing again changes nothing.
func TestAWSProfile(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.save(t, map[string]*config.Profile{"default": oktaProfile("us-east-1")}, nil)
	awsCfg := filepath.Join(t.TempDir(), "config")
	orig := "# my settings\n[default]\nregion = eu-central-1\n\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
	writeFile(t, awsCfg, orig)
	w.env["AWS_CONFIG_FILE"] = awsCfg
	const exe = "/usr/local/bin/tip-cli"

	if err := awsProfileRun(w.awsProfile(exe, "default", "tip")); err != nil {
		t.Fatal(err)
	}
	if want := "✓ Added [profile tip] in " + awsCfg + "\n  try: aws sts get-caller-identity --profile tip\n"; w.errOut.String() != want || w.out.Len() != 0 {
		t.Errorf("stdout %q stderr %q, want %q", w.out, w.errOut, want)
	}
	data := w.awsProfile(exe, "work", "tip-data") // work is not configured: no region unless given
	data.S3AG, data.Permission = "s3://tip-sandbox-data/analysts/", "readwrite"
	if err := awsProfileRun(data); err != nil {
		t.Fatal(err)
	}
	eu := w.awsProfile(exe, "default", "tip-eu")
	eu.Region = "eu-west-1"
	if err := awsProfileRun(eu); err != nil {
		t.Fatal(err)
	}
	got := readFile(t, awsCfg)
	want := orig +
		"\n[profile tip]\ncredential_process = /usr/local/bin/tip-cli auth get-iam-credentials\nregion = us-east-1\n" +
		"\n[profile tip-data]\ncredential_process = /usr/local/bin/tip-cli --profile work s3ag get-data-access s3://tip-sandbox-data/analysts/ --permission READWRITE\n" +
		"\n[profile tip-eu]\ncredential_process = /usr/local/bin/tip-cli auth get-iam-credentials\nregion = eu-west-1\n"
	if got != want {
		t.Errorf("config file:\n%s\nwant:\n%s", got, want)
	}
	// Updating in place keeps the file otherwise identical.
	w.reset()
	if err := awsProfileRun(w.awsProfile(exe, "default", "tip")); err != nil {
		t.Fatal(err)
	}
	if again := readFile(t, awsCfg); again != got || !strings.HasPrefix(w.errOut.String(), "✓ Updated [profile tip]") {
		t.Errorf("second write: stderr %q, file:\n%s", w.errOut, again)
	}
}

// TestAWSProfileLeanBinary: with tip-credential-process installed next to
// tip-cli, the line calls it with the same arguments.
func TestAWSProfileLeanBinary(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	bin := t.TempDir()
	exe, fast := filepath.Join(bin, "tip-cli"), filepath.Join(bin, lean.Prog)
	writeFile(t, exe, "")
	awsCfg := filepath.Join(t.TempDir(), "config")
	w.env["AWS_CONFIG_FILE"] = awsCfg
	if err := awsProfileRun(w.awsProfile(exe, "dev", "tip")); err != nil {
		t.Fatal(err)
	}
	if got, want := readFile(t, awsCfg), "[profile tip]\ncredential_process = "+exe+" --profile dev auth get-iam-credentials\n"; got != want {
		t.Errorf("without the lean binary:\n%s\nwant:\n%s", got, want)
	}
	writeFile(t, fast, "")
	if err := awsProfileRun(w.awsProfile(exe, "dev", "tip")); err != nil {
		t.Fatal(err)
	}
	if got, want := readFile(t, awsCfg), "[profile tip]\ncredential_process = "+fast+" --profile dev auth get-iam-credentials\n"; got != want {
		t.Errorf("with the lean binary:\n%s\nwant:\n%s", got, want)
	}
}

// TestAWSProfileCredentialsFile: --credentials-file writes [NAME] into
// AWS_SHARED_CREDENTIALS_FILE, keeping the file's other lines, and leaves
// the config file alone; it warns of a path minio-go cannot run and of a
// --region it does not write; a profile holding static keys is refused.
func TestAWSProfileCredentialsFile(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.save(t, map[string]*config.Profile{"default": oktaProfile("us-east-1")}, nil)
	dir := t.TempDir()
	awsCfg, creds := filepath.Join(dir, "config"), filepath.Join(dir, "credentials")
	orig := "# static keys of another account\n[legacy]\naws_access_key_id = AKIDLEGACY\naws_secret_access_key = s\n"
	writeFile(t, creds, orig)
	w.env["AWS_CONFIG_FILE"], w.env["AWS_SHARED_CREDENTIALS_FILE"] = awsCfg, creds
	credsFile := func(exe, name, region string) *AWSProfileOptions {
		o := w.awsProfile(exe, "default", name)
		o.CredentialsFile, o.Region = true, region
		return o
	}

	if err := awsProfileRun(credsFile("/usr/local/bin/tip-cli", "restic", "")); err != nil {
		t.Fatal(err)
	}
	if want := "✓ Added [restic] in " + creds + "\n  try: aws sts get-caller-identity --profile restic\n"; w.errOut.String() != want {
		t.Errorf("stderr %q, want %q", w.errOut, want)
	}
	if got, want := readFile(t, creds), orig+"\n[restic]\ncredential_process = /usr/local/bin/tip-cli auth get-iam-credentials\n"; got != want {
		t.Errorf("credentials file:\n%s\nwant:\n%s", got, want)
	}
	if _, err := os.Stat(awsCfg); err == nil {
		t.Error("the config file was written too")
	}

	w.reset()
	if err := awsProfileRun(credsFile("/opt/my tools/tip-cli", "spaced", "eu-west-1")); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(w.errOut.String(), "\n"), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[2], "warning: the command line has quoted words") ||
		!strings.HasPrefix(lines[3], "note: --region is not written to the credentials file") {
		t.Errorf("stderr:\n%s", w.errOut)
	}
	if strings.Contains(readFile(t, creds), "region") {
		t.Error("--region written to the credentials file")
	}

	before := readFile(t, creds)
	if err := awsProfileRun(credsFile("/usr/local/bin/tip-cli", "legacy", "")); err == nil || !strings.Contains(err.Error(), "holds aws_access_key_id") {
		t.Errorf("static profile overwritten: %v", err)
	}
	if readFile(t, creds) != before {
		t.Error("a refused write changed the credentials file")
	}
}
