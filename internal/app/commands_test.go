package app

import (
	"context"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/sandbox/idpemu"
	"github.com/tip-cli/tip-cli/internal/testkit"
)

func signedIn(t *testing.T) *testkit.Kit {
	t.Helper()
	k := testkit.New(t, sandbox.EnvOptions{})
	k.Configure(t, "default")
	mustRun(t, k, "auth")
	return k
}

func TestS3AGGetDataAccessAndCache(t *testing.T) {
	t.Parallel()
	k := signedIn(t)
	r := mustRun(t, k, "s3ag", "get-data-access", "s3://tip-sandbox-data/analysts/q1/report.csv", "--permission", "WRITE", "--format", "json")
	var doc map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["MatchedGrantTarget"] != "s3://tip-sandbox-data/analysts/*" {
		t.Errorf("matched target %v", doc["MatchedGrantTarget"])
	}
	calls := k.Env.AWS.Counts()["GetDataAccess"]

	// Anything inside the cached grant's scope for a covered permission is
	// served without a call; READWRITE was not granted by this WRITE request.
	for _, c := range []struct {
		uri, perm string
		cached    bool
	}{
		{"s3://tip-sandbox-data/analysts/q2/", "WRITE", true},
		{"s3://tip-sandbox-data/analysts/", "WRITE", true},
		{"s3://tip-sandbox-data/analysts2/x", "READ", false},  // sibling prefix: bucket-wide READ grant
		{"s3://tip-sandbox-data/analysts/q3/x", "READ", true}, // covered by the cached bucket-wide READ grant
		{"s3://tip-sandbox-data/analysts/q3/y", "READWRITE", false},
		{"s3://tip-sandbox-data/analysts/q4/", "READ", true},
	} {
		mustRun(t, k, "s3ag", "get-data-access", c.uri, "--permission", c.perm)
		now := k.Env.AWS.Counts()["GetDataAccess"]
		if c.cached != (now == calls) {
			t.Errorf("%s %s: GetDataAccess calls %d → %d, cached=%v", c.uri, c.perm, calls, now, c.cached)
		}
		calls = now
	}

	r = mustRun(t, k, "s3ag", "list-credentials", "-o", "json")
	var rows []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || len(rows) != 3 {
		t.Fatalf("list-credentials: %v %s", err, r.stdout)
	}
	if strings.Contains(r.stdout, "Secret") || strings.Contains(r.stdout, "SessionToken") {
		t.Error("list-credentials shows secrets")
	}
	mustRun(t, k, "s3ag", "clear-credentials")
	r = mustRun(t, k, "s3ag", "list-credentials", "-o", "json")
	if strings.TrimSpace(r.stdout) != "[]" {
		t.Errorf("after clear: %s", r.stdout)
	}
}

func TestS3AGErrors(t *testing.T) {
	t.Parallel()
	k := signedIn(t)
	before := k.Env.AWS.Counts()["GetDataAccess"]
	for _, tt := range []struct {
		args     []string
		wantCode int
		wantErr  string
	}{
		{[]string{"s3ag", "get-data-access", "s3://other-bucket/x"}, cmdutil.ExitError, "no S3 Access Grant matches s3://other-bucket/x for READ"},
		{[]string{"s3ag", "get-data-access", "https://bucket/x"}, cmdutil.ExitUsage, "s3://"},
		{[]string{"s3ag", "get-data-access", "s3://tip-sandbox-data/x", "--permission", "ADMIN"}, cmdutil.ExitUsage, "permission"},
		{[]string{"s3ag", "get-data-access", "s3://tip-sandbox-data/x", "--duration-seconds", "60"}, cmdutil.ExitUsage, "duration"},
		{[]string{"s3ag", "get-data-access", "s3://tip-sandbox-data/x/", "--target-type", "Object"}, cmdutil.ExitUsage, "Object"},
		{[]string{"s3ag", "get-data-access", "s3://tip-sandbox-data/x", "--account-id", "12"}, cmdutil.ExitUsage, "12 digits"},
	} {
		r := run(t, k, tt.args...)
		if r.code != tt.wantCode || r.stdout != "" || !strings.Contains(r.stderr, tt.wantErr) {
			t.Errorf("%v: code %d stdout %q stderr %q", tt.args, r.code, r.stdout, r.stderr)
		}
	}
	if got := k.Env.AWS.Counts()["GetDataAccess"] - before; got != 1 {
		t.Errorf("GetDataAccess calls = %d, want 1 (only the valid request)", got)
	}
}

func TestSessionPoliciesScopeTheSession(t *testing.T) {
	t.Parallel()
	k := signedIn(t)
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"athena:*","Resource":"*"}]}`
	arns := []string{"arn:aws:iam::aws:policy/AmazonAthenaFullAccess", "arn:aws:iam::123456789012:policy/team"}
	unscoped := decodeProcess(t, mustRun(t, k, "auth", "get-iam-credentials").stdout)
	scoped := decodeProcess(t, mustRun(t, k, "auth", "get-iam-credentials", "--policy", policy, "--policy-arn", arns[0], "--policy-arn", arns[1]).stdout)
	if scoped.AccessKeyID == unscoped.AccessKeyID {
		t.Fatal("scoped session served from the unscoped cache")
	}
	reqs := k.Env.AWS.Requests("AssumeRole")
	last := reqs[len(reqs)-1].Params
	if last.Get("Policy") != policy || last.Get("PolicyArns.member.1.arn") != arns[0] || last.Get("PolicyArns.member.2.arn") != arns[1] || last.Get("PolicyArns.member.3.arn") != "" {
		t.Errorf("AssumeRole params %v", last)
	}
	again := decodeProcess(t, mustRun(t, k, "auth", "get-iam-credentials", "--policy", policy, "--policy-arn", arns[0], "--policy-arn", arns[1]).stdout)
	if again.AccessKeyID != scoped.AccessKeyID {
		t.Error("scoped session not cached")
	}

	k.Env.AWS.FailNext("AssumeRole", 400, "MalformedPolicyDocument", "Syntax errors in policy.")
	r := run(t, k, "auth", "get-iam-credentials", "--policy", `{"Statement":[]}`)
	if r.code == 0 || !strings.Contains(r.stderr, "MalformedPolicyDocument") || !strings.Contains(r.stderr, "not a valid IAM policy") {
		t.Errorf("malformed policy: %d %s", r.code, r.stderr)
	}
	r = run(t, k, "auth", "get-iam-credentials", "--policy", "{not json")
	if r.code != cmdutil.ExitUsage {
		t.Errorf("local policy validation: %d %s", r.code, r.stderr)
	}
}

func TestExecPassesCredentialsAndExitStatus(t *testing.T) {
	t.Parallel()
	k := signedIn(t)
	k.Vars["AWS_PROFILE"] = "ambient"
	k.Vars["AWS_ACCESS_KEY_ID"] = "AKIAAMBIENT"
	k.Vars["PATH"] = os.Getenv("PATH")
	r := run(t, k, "exec", "--", "sh", "-c", `echo "$AWS_ACCESS_KEY_ID|${AWS_PROFILE:-unset}|$AWS_REGION|${AWS_SESSION_TOKEN:+token}|$AWS_CREDENTIAL_EXPIRATION"; exit 7`)
	if r.code != 7 {
		t.Fatalf("exit code %d, want 7 (stderr %s)", r.code, r.stderr)
	}
	fields := strings.Split(strings.TrimSpace(r.stdout), "|")
	if len(fields) != 5 || !strings.HasPrefix(fields[0], "ASIA") || fields[1] != "unset" || fields[2] != "us-east-1" || fields[3] != "token" || fields[4] == "" {
		t.Errorf("child saw %q", r.stdout)
	}
	r = run(t, k, "exec", "--s3ag", "s3://tip-sandbox-data/analysts/", "--permission", "READWRITE", "--", "sh", "-c", `echo $AWS_ACCESS_KEY_ID`)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "ASIA") {
		t.Errorf("exec --s3ag: %d %q %s", r.code, r.stdout, r.stderr)
	}
	if r := run(t, k, "exec", "sh"); r.code != cmdutil.ExitUsage {
		t.Errorf("exec without --: %d %s", r.code, r.stderr)
	}
	if r := run(t, k, "exec", "--", "no-such-command-tip"); r.code == 0 || !strings.Contains(r.stderr, "not found") {
		t.Errorf("missing command: %d %s", r.code, r.stderr)
	}
}

func TestConsoleURL(t *testing.T) {
	t.Parallel()
	k := signedIn(t)
	k.Vars["TIP_CLI_FEDERATION_ENDPOINT"] = k.Env.AWS.URL() + "/federation"
	r := mustRun(t, k, "console", "--print", "--destination", "https://console.aws.amazon.com/athena/home")
	u, err := url.Parse(strings.TrimSpace(r.stdout))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Path != "/federation" || q.Get("Action") != "login" || q.Get("SigninToken") == "" || q.Get("Destination") != "https://console.aws.amazon.com/athena/home" || q.Get("Issuer") != "tip-cli" {
		t.Errorf("login URL %s", u)
	}
	reqs := k.Env.AWS.Requests("getSigninToken")
	if len(reqs) != 1 || reqs[0].Params.Get("SessionDuration") != "" {
		t.Errorf("getSigninToken requests %v", reqs)
	}
	var sess map[string]string
	if err := json.Unmarshal([]byte(reqs[0].Params.Get("Session")), &sess); err != nil || !strings.HasPrefix(sess["sessionId"], "ASIA") {
		t.Errorf("Session param: %v", reqs[0].Params.Get("Session"))
	}

	k.Env.AWS.SetRefuseFederationForContext(true)
	r = run(t, k, "console", "--print")
	if r.code == 0 || r.stdout != "" || !strings.Contains(r.stderr, "--role-arn") {
		t.Errorf("refused session: %d %q %s", r.code, r.stdout, r.stderr)
	}
	r = mustRun(t, k, "console", "--print", "--role-arn", k.Env.AWS.PlainRoleARN(), "--duration", "30m")
	if !strings.Contains(r.stdout, "SigninToken=") {
		t.Errorf("--role-arn: %s", r.stdout)
	}
	if strings.Contains(r.stderr, "SigninToken") {
		t.Error("sign-in token leaked to stderr")
	}
}

func TestStatusAndLogout(t *testing.T) {
	t.Parallel()
	k := signedIn(t)
	r := mustRun(t, k, "auth", "status", "-o", "json")
	var s map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatal(err)
	}
	if s["signed_in"] != true || s["user"] != "alice@example.com" || s["store"] != "file" || s["can_refresh"] != true {
		t.Errorf("status %v", s)
	}
	for _, secretish := range []string{"eyJ", "ASIA", "refresh_token\":\""} {
		if strings.Contains(r.stdout, secretish) {
			t.Errorf("status output contains %q", secretish)
		}
	}
	mustRun(t, k, "auth", "logout")
	r = mustRun(t, k, "auth", "status")
	if !strings.Contains(r.stdout, "Signed in: no") {
		t.Errorf("after logout: %s", r.stdout)
	}
	if r := run(t, k, "auth", "get-iam-credentials", "--non-interactive"); r.code != cmdutil.ExitAuth {
		t.Errorf("after logout get-iam-credentials: %d %s", r.code, r.stderr)
	}
}

func TestVersionAndCompletion(t *testing.T) {
	t.Parallel()
	k := testkit.New(t, sandbox.EnvOptions{})
	if r := mustRun(t, k, "version"); !strings.Contains(r.stdout, "tip-cli test") {
		t.Errorf("version: %s", r.stdout)
	}
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		if r := mustRun(t, k, "completion", shell); len(r.stdout) < 100 {
			t.Errorf("completion %s: %q", shell, r.stdout)
		}
	}
	if r := run(t, k, "nosuchcommand"); r.code != cmdutil.ExitUsage || !strings.Contains(r.stderr, "unknown command") {
		t.Errorf("unknown command: %d %s", r.code, r.stderr)
	}
}

func TestDebugLogNeverContainsSecrets(t *testing.T) {
	t.Parallel()
	k := testkit.New(t, sandbox.EnvOptions{})
	k.Configure(t, "default")
	var stderr strings.Builder
	for _, args := range [][]string{
		{"--debug", "auth"},
		{"--debug", "auth", "get-iam-credentials"},
		{"--debug", "auth", "get-iam-credentials", "--force-refresh"},
		{"--debug", "s3ag", "get-data-access", "s3://tip-sandbox-data/analysts/x", "--permission", "READWRITE"},
		{"--debug", "auth", "refresh-token"},
		{"--debug", "auth", "status"},
	} {
		r := mustRun(t, k, args...)
		stderr.WriteString(r.stderr)
	}
	log := stderr.String()
	for _, want := range []string{"level=DEBUG", "chain step complete", "identity provider tokens refreshed", "serving cached credentials"} {
		if !strings.Contains(log, want) {
			t.Errorf("debug output lacks %q", want)
		}
	}
	// Every secret this run produced, current and superseded.
	var secrets []string
	for _, rec := range k.Env.AWS.Requests("CreateTokenWithIAM") {
		if a, _ := rec.JSON["assertion"].(string); a != "" {
			secrets = append(secrets, a)
		}
	}
	b, err := k.Store.Get(context.Background(), "default")
	if err != nil || b == nil {
		t.Fatal("no bundle")
	}
	secrets = append(secrets, b.IdP.IDToken, b.IdP.RefreshToken, b.IdP.AccessToken)
	for _, c := range b.Sessions {
		secrets = append(secrets, c.SecretAccessKey, c.SessionToken)
	}
	for _, g := range b.Grants {
		secrets = append(secrets, g.Credentials.SecretAccessKey, g.Credentials.SessionToken)
	}
	if len(secrets) < 8 {
		t.Fatalf("collected only %d secrets", len(secrets))
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(log, s) {
			t.Errorf("debug output contains a secret (%d chars)", len(s))
		}
	}
}

// approver plays the user of the device flow: it reads the user code tip-cli
// shows on stderr and approves it at the sandbox IdP.
type approver struct {
	idp   *idpemu.IdP
	codes []string
}

func (a *approver) Write(p []byte) (int, error) {
	if m := regexp.MustCompile(`enter the code ([A-Z0-9-]+)`).FindSubmatch(p); m != nil {
		a.codes = append(a.codes, string(m[1]))
		if err := a.idp.ApproveDevice(string(m[1])); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

func TestDeviceFlowSignIn(t *testing.T) {
	t.Parallel()
	k := testkit.New(t, sandbox.EnvOptions{DeviceInterval: time.Second})
	k.Configure(t, "default")
	ap := &approver{idp: k.Env.IdP}
	k.F.IOStreams.ErrOut = io.MultiWriter(k.ErrOut, ap)
	r := run(t, k, "auth", "--device")
	if r.code != 0 {
		t.Fatalf("device sign-in: %d %s", r.code, r.stderr)
	}
	if len(ap.codes) != 1 || !strings.Contains(r.stderr, "/device") {
		t.Errorf("codes %v, stderr %s", ap.codes, r.stderr)
	}
	if k.Browser.Load() != 0 {
		t.Error("device flow opened a browser")
	}
	if n := k.Env.IdP.Counts()["token:device_code"]; n < 1 {
		t.Errorf("device token polls = %d", n)
	}
	decodeProcess(t, mustRun(t, k, "auth", "get-iam-credentials", "--non-interactive").stdout)
}
