package app

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tip-cli/tip-cli/internal/broker/api"
	"github.com/tip-cli/tip-cli/internal/broker/server"
	"github.com/tip-cli/tip-cli/internal/cmdbase"
	"github.com/tip-cli/tip-cli/internal/sandbox/brokeremu"
	"github.com/tip-cli/tip-cli/internal/testbuf"
	"github.com/tip-cli/tip-cli/internal/testkey"
)

// The test binary doubles as tip-broker (TIP_BROKER_TEST_MAIN=1), so the
// process tests run the real entry point with no build step.
func TestMain(m *testing.M) {
	if os.Getenv("TIP_BROKER_TEST_MAIN") == "1" {
		os.Exit(Main(cmdbase.BuildInfo{Version: "test"}))
	}
	os.Exit(m.Run())
}

// brokerEnv is a child's environment: no ambient AWS settings but creds,
// the sandbox's STS and the given extras.
func brokerEnv(t *testing.T, sc *brokeremu.BrokerScenario, creds aws.Credentials, extra ...string) []string {
	t.Helper()
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "TIP_BROKER_") {
			env = append(env, kv)
		}
	}
	env = append(env,
		"TIP_BROKER_TEST_MAIN=1",
		"AWS_CONFIG_FILE="+os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE="+os.DevNull,
		"AWS_REGION="+sc.AWS.Region(),
		"AWS_ACCESS_KEY_ID="+creds.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY="+creds.SecretAccessKey,
		"AWS_SESSION_TOKEN="+creds.SessionToken,
		"AWS_ENDPOINT_URL_STS="+sc.AWS.URL(),
	)
	return append(env, extra...)
}

type result struct {
	code           int
	stdout, stderr string
}

// run runs one tip-broker command to completion.
func run(t *testing.T, env []string, stdin string, args ...string) result {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errOut.String()}
}

// startServe starts `tip-broker serve` and returns its URL once it listens.
func startServe(t *testing.T, env []string, args ...string) (string, *exec.Cmd, *bytes.Buffer) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	cmd.Env = env
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := bufio.NewScanner(stderr)
	var log bytes.Buffer
	for lines.Scan() {
		line := lines.Text()
		if rest, ok := strings.CutPrefix(line, "tip-broker: serving "); ok {
			url, _, _ := strings.Cut(rest, " ")
			go func() { _, _ = io.Copy(&lockedWriter{w: &log}, stderr) }()
			return url, cmd, &log
		}
		log.WriteString(line + "\n")
	}
	t.Fatalf("tip-broker serve did not start:\n%s", log.String())
	return "", nil, nil
}

// lockedWriter is only written by one goroutine; it exists so the copy
// target type is explicit.
type lockedWriter struct{ w io.Writer }

func (l *lockedWriter) Write(p []byte) (int, error) { return l.w.Write(p) }

// TestServeEndToEnd runs the standalone mode as separate processes: the
// broker with its own role, the application's client commands with the
// application's role, callers authenticated by presigned GetCallerIdentity.
func TestServeEndToEnd(t *testing.T) {
	sc, err := brokeremu.StartBrokerScenario(brokeremu.BrokerScenarioOptions{Key: testkey.RSA(t), OtherKey: testkey.Other(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	db := filepath.Join(t.TempDir(), "reg.db")
	serveArgs := []string{"--broker-id", "broker.test", "--sts-endpoint", sc.AWS.URL(), "--db", db, "--log-format", "text", "--insecure-allow-private-jwks"}
	url, srv, _ := startServe(t, brokerEnv(t, sc, sc.BrokerCredentials(time.Hour)), serveArgs...)
	app := brokerEnv(t, sc, sc.AppCredentials(time.Hour), "TIP_BROKER_ENDPOINT="+url, "TIP_BROKER_ID=broker.test")

	r := run(t, app, "", "register", "--access-role-name", brokeremu.BrokerAccessRole, "--session-tag-key", brokeremu.BrokerTagKey,
		"--jwt-claim-name", brokeremu.BrokerTagKey, "--jwks-url", sc.App.JWKSURL())
	if r.code != 0 || !strings.Contains(r.stdout, `"RoleArn": "arn:aws:iam::123456789012:role/tenant-app"`) {
		t.Fatalf("register: %+v", r)
	}
	confusedDeputy(t, sc, brokerEnv(t, sc, sc.OtherAppCredentials(time.Hour), "TIP_BROKER_ENDPOINT="+url, "TIP_BROKER_ID=broker.test"))
	yellow, _ := sc.TenantToken("alice", "Yellow")
	r = run(t, app, yellow, "credentials", "--jwt", "-")
	var creds server.Credentials
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &creds) != nil || creds.AccessKeyID == "" {
		t.Fatalf("credentials: %+v", r)
	}
	if status, _, err := sc.ReadObject(context.Background(), awsCreds(creds), "Yellow/report.csv"); err != nil || status != 200 {
		t.Fatalf("Yellow reads its prefix: %d %v", status, err)
	}
	if status, _, _ := sc.ReadObject(context.Background(), awsCreds(creds), "Blue/report.csv"); status != 403 {
		t.Fatalf("Yellow reads Blue's prefix: %d", status)
	}

	// Failures: one line on stderr, nothing on stdout, non-zero exit.
	other, _ := sc.Other.Mint(map[string]any{"sub": "m", brokeremu.BrokerTagKey: "Blue"})
	for name, r := range map[string]result{
		"other app's token": run(t, app, "", "credentials", "--jwt", other),
		"wrong broker id":   run(t, app, "", "credentials", "--jwt", yellow, "--broker-id", "another.broker"),
		"unregistered role": run(t, brokerEnv(t, sc, sc.OtherAppCredentials(time.Hour), "TIP_BROKER_ENDPOINT="+url, "TIP_BROKER_ID=broker.test"), "", "describe"),
	} {
		if r.code == 0 || r.stdout != "" || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.HasPrefix(r.stderr, "tip-broker: ") {
			t.Errorf("%s: %+v", name, r)
		}
	}

	// The registration survives a restart on the same file.
	_ = srv.Process.Signal(syscall.SIGTERM)
	if err := srv.Wait(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}
	url, _, _ = startServe(t, brokerEnv(t, sc, sc.BrokerCredentials(time.Hour)), serveArgs...)
	r = run(t, app, "", "describe", "--endpoint", url)
	if r.code != 0 || !strings.Contains(r.stdout, sc.App.JWKSURL()) {
		t.Fatalf("describe after restart: %+v", r)
	}
	if r = run(t, app, "", "deregister", "--endpoint", url); r.code != 0 {
		t.Fatalf("deregister: %+v", r)
	}
	if r = run(t, app, "", "describe", "--endpoint", url); r.code != 1 || !strings.Contains(r.stderr, "404 NotRegistered") {
		t.Fatalf("describe after deregister: %+v", r)
	}
}

// TestUsageErrors: bad flags exit 2 with one line, before any network.
func TestUsageErrors(t *testing.T) {
	env := []string{"TIP_BROKER_TEST_MAIN=1", "AWS_REGION=us-east-1", "HOME=" + t.TempDir()}
	for _, args := range [][]string{
		{"serve"}, // no --broker-id
		{"serve", "--broker-id", "b", "--listen", "0.0.0.0:8443"},
		{"serve", "--broker-id", "b", "--store", "sqlite"},
		{"serve", "--broker-id", "b", "--duration", "2h"},
		{"credentials", "--endpoint", "http://example.com", "--jwt", "x"},
		{"credentials", "--endpoint", "https://b.example.com"},
		{"register", "--endpoint", "https://b.example.com", "--broker-id", "b"},
		{"template", "--format", "xml"},
		{"lambda"},
		{"bogus"},
	} {
		r := run(t, env, "", args...)
		if r.code != 2 || r.stdout != "" || !strings.HasPrefix(r.stderr, "tip-broker: ") {
			t.Errorf("%v: %+v", args, r)
		}
	}
}

func awsCreds(c server.Credentials) aws.Credentials {
	return aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
}

// TestMotoLambdaEndToEnd runs the Lambda mode as AWS runs it: the real
// tip-broker binary polls the (sandbox) Lambda Runtime API behind the
// sandbox's API Gateway with AWS_IAM authorization, registrations go to a
// DynamoDB table in moto, and the application calls it with SigV4. It runs
// once per payload format: a REST API's 1.0 (what the template deploys)
// and an HTTP API's 2.0 on its $default stage (what the original sample
// deploys). It needs moto_server: set TIP_CLI_TEST_MOTO_URL.
func TestMotoLambdaEndToEnd(t *testing.T) {
	motoURL := os.Getenv("TIP_CLI_TEST_MOTO_URL")
	if motoURL == "" {
		t.Skip("set TIP_CLI_TEST_MOTO_URL to a running moto_server to test the Lambda mode with DynamoDB")
	}
	methods := api.Keys(false)
	for _, tt := range []struct {
		name, version string
		routes        []string
	}{
		{"rest api", "1.0", methods},
		{"http api", "2.0", methods},
		{"http api proxy route", "2.0", []string{"ANY /{proxy+}"}},
		{"http api default route", "2.0", []string{"$default"}},
	} {
		t.Run(tt.name, func(t *testing.T) { lambdaEndToEnd(t, motoURL, tt.version, tt.routes) })
	}
}

// lambdaEndToEnd is TestMotoLambdaEndToEnd for one API: its payload
// format and its IAM-authorized routes.
func lambdaEndToEnd(t *testing.T, motoURL, payloadVersion string, routes []string) {
	sc, err := brokeremu.StartBrokerScenario(brokeremu.BrokerScenarioOptions{Key: testkey.RSA(t), OtherKey: testkey.Other(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	gw, err := brokeremu.NewAPIGateway(brokeremu.APIGatewayOptions{AWS: sc.AWS, PayloadVersion: payloadVersion,
		Routes: routes, PublicRoutes: api.Keys(true)})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	table := "tip-broker-" + rand.Text() // unique against a shared moto: a clock can repeat
	createTable(t, motoURL, table)

	// Lambda starts bootstrap with no arguments and its role's credentials.
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	fn := exec.Command(exe)
	fn.Env = brokerEnv(t, sc, sc.BrokerCredentials(time.Hour),
		"AWS_LAMBDA_RUNTIME_API="+gw.RuntimeAPI(), "TIP_BROKER_TABLE="+table, "AWS_ENDPOINT_URL_DYNAMODB="+motoURL, "TIP_BROKER_INSECURE_ALLOW_PRIVATE_JWKS=true")
	fnLog := &testbuf.Buffer{} // read while the function writes
	fn.Stderr = fnLog
	if err := fn.Start(); err != nil {
		t.Fatal(err)
	}
	var stopped sync.Once
	stop := func() { stopped.Do(func() { _ = fn.Process.Kill(); _ = fn.Wait() }) }
	defer stop()

	// The health check is deployed without authorization: unsigned.
	if code, body := httpGet(t, gw.URL()+"/health"); code != 200 || !strings.Contains(body, `"ok"`) {
		t.Fatalf("GET /health: %d %s\nfunction log:\n%s", code, body, fnLog.String())
	}
	app := brokerEnv(t, sc, sc.AppCredentials(time.Hour), "TIP_BROKER_ENDPOINT="+gw.URL())
	r := run(t, app, "", "register", "--auth", "sigv4", "--access-role-name", brokeremu.BrokerAccessRole,
		"--session-tag-key", brokeremu.BrokerTagKey, "--jwt-claim-name", brokeremu.BrokerTagKey, "--jwks-url", sc.App.JWKSURL())
	if r.code != 0 {
		t.Fatalf("register: %+v\nfunction log:\n%s", r, fnLog.String())
	}
	confusedDeputy(t, sc, brokerEnv(t, sc, sc.OtherAppCredentials(time.Hour), "TIP_BROKER_ENDPOINT="+gw.URL()), "--auth", "sigv4")
	for tenant, other := range map[string]string{"Yellow": "Blue", "Blue": "Yellow"} {
		tok, _ := sc.TenantToken("user", tenant)
		r = run(t, app, tok, "credentials", "--auth", "sigv4", "--jwt", "-")
		var creds server.Credentials
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &creds) != nil {
			t.Fatalf("credentials: %+v", r)
		}
		if s, _, _ := sc.ReadObject(context.Background(), awsCreds(creds), tenant+"/report.csv"); s != 200 {
			t.Fatalf("%s reads its prefix: %d", tenant, s)
		}
		if s, _, _ := sc.ReadObject(context.Background(), awsCreds(creds), other+"/report.csv"); s != 403 {
			t.Fatalf("%s reads %s's prefix: %d", tenant, other, s)
		}
	}
	// Unsigned and wrongly signed calls never reach the function.
	before := gw.Invocations()
	r = run(t, brokerEnv(t, sc, aws.Credentials{AccessKeyID: "AKIAUNKNOWN", SecretAccessKey: "x"}, "TIP_BROKER_ENDPOINT="+gw.URL()), "", "describe", "--auth", "sigv4")
	if r.code != 1 || !strings.Contains(r.stderr, "403") || gw.Invocations() != before {
		t.Fatalf("unknown caller: %+v, invocations %d→%d", r, before, gw.Invocations())
	}
	if r = run(t, app, "", "deregister", "--auth", "sigv4"); r.code != 0 {
		t.Fatalf("deregister: %+v", r)
	}
	// The function wrote its access lines before answering; its stderr is
	// all in fnLog only once Wait has returned (the copy may lag behind).
	stop()
	if !strings.Contains(fnLog.String(), `"path":"/credentials"`) || strings.Contains(fnLog.String(), "eyJ") {
		t.Fatalf("function access log missing or leaking a token:\n%s", fnLog.String())
	}
}

// httpGet is an unsigned GET; it returns the status and the body.
func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// confusedDeputy is issue 13's attack through the real binary: a second
// application (env mallory, extra flags args) registers the first one's
// access role with its own JWKS. The broker refuses, STS assumed nothing
// for it, and its credentials request finds no registration.
func confusedDeputy(t *testing.T, sc *brokeremu.BrokerScenario, mallory []string, args ...string) {
	t.Helper()
	before := sc.AWS.Counts()["AssumeRole"]
	r := run(t, mallory, "", append([]string{"register", "--access-role-name", brokeremu.BrokerAccessRole, "--session-tag-key", brokeremu.BrokerTagKey,
		"--jwt-claim-name", brokeremu.BrokerTagKey, "--jwks-url", sc.Other.JWKSURL()}, args...)...)
	if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "AssumeRoleDenied") || !strings.Contains(r.stderr, "sts:ExternalId") {
		t.Fatalf("confused deputy registration: %+v", r)
	}
	// Five probes (four that must be denied, then the application's own),
	// all refused by the trust policy's ExternalId condition.
	if n := sc.AWS.Counts()["AssumeRole"] - before; n != 5 {
		t.Fatalf("AssumeRole calls for the attempt = %d, want the 5 refused probes", n)
	}
	tok, _ := sc.Other.Mint(map[string]any{"sub": "mallory", brokeremu.BrokerTagKey: "Yellow"})
	if r := run(t, mallory, tok, append([]string{"credentials", "--jwt", "-"}, args...)...); r.code != 1 || !strings.Contains(r.stderr, "NotRegistered") {
		t.Fatalf("mallory's credentials: %+v", r)
	}
}
