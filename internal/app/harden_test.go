package app

import (
	"bufio"
	"context"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	awssdkconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/sandbox/idpemu"
	"github.com/tip-cli/tip-cli/internal/testkit"
)

// strays are requests another local program could send to the callback.
var strays = []string{"error=access_denied", "error=access_denied&state=forged", "code=x&state=forged", "", "state=x"}

// sendStrays sends every stray query to the redirect URI and wants a 400 for each.
func sendStrays(redirect string) error {
	for _, q := range strays {
		u, err := url.Parse(redirect)
		if err != nil {
			return err
		}
		u.RawQuery = q
		resp, err := http.Get(u.String())
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			return errors.New("stray " + q + ": status " + resp.Status)
		}
	}
	return nil
}

// TestAuthSurvivesStrayCallbackProcess is the reproduction with a
// real `tip-cli auth` process: requests to its callback without the
// sign-in's state (an IdP error, a forged state, a bare request) do not
// end it; the real redirect that follows signs in. Before the fix the
// first `?error=access_denied` made it exit 1.
func TestAuthSurvivesStrayCallbackProcess(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts a real process")
	}
	k := testkit.New(t, sandbox.EnvOptions{})
	p := k.Configure(t, "default")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "auth", "--timeout", "30s")
	cmd.Env = append(procEnv(t, k), "BROWSER=true") // the user has not clicked yet
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	authURL := ""
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "http://") {
			authURL = sc.Text()
			break
		}
	}
	if authURL == "" {
		t.Fatal("tip-cli auth printed no authorization URL")
	}
	go func() { _, _ = bufio.NewReader(stderr).WriteTo(&strings.Builder{}) }()
	if err := sendStrays(p.RedirectURI); err != nil {
		t.Fatal(err)
	}
	if err := idpemu.FakeBrowser(ctx, nil, authURL); err != nil {
		t.Fatalf("the real redirect after the strays: %v", err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("tip-cli auth after stray callbacks: %v", err)
	}
	if b, err := k.Store.Get(ctx, "default"); err != nil || b == nil || b.IdP == nil {
		t.Fatalf("no sign-in stored: %v", err)
	}
}

// TestAuthStrayCallbacksOnlyTimesOut: when nothing but strays arrive the
// sign-in waits for its timeout and then says strays were refused.
func TestAuthStrayCallbacksOnlyTimesOut(t *testing.T) {
	t.Parallel()
	k := testkit.New(t, sandbox.EnvOptions{})
	p := k.Configure(t, "default")
	// The strays are sent before the opener returns (the callback server
	// already serves): sent from a goroutine, a loaded machine could reach
	// the 2 s timeout before all five were answered, and fewer were counted.
	var sent error
	k.F.Browser = func(context.Context, string) error {
		sent = sendStrays(p.RedirectURI)
		return nil
	}
	r := run(t, k, "auth", "--timeout", "2s")
	if sent != nil {
		t.Fatal(sent)
	}
	want := "timed out after 2s waiting for the browser sign-in (5 callback requests without this sign-in's state were refused)"
	if r.code == 0 || r.stdout != "" || !strings.Contains(r.stderr, want) {
		t.Fatalf("code %d stdout %q stderr %q, want a timeout naming the refused callbacks", r.code, r.stdout, r.stderr)
	}
}

// TestIDTokenAudienceAndIssuedAt signs in and refreshes through the real
// commands while the sandbox IdP issues tokens a misbehaving IdP would:
// several audiences without azp or with another client's azp, and an iat
// beyond the clock skew. Each is refused with a clear error and nothing on
// stdout; the well-formed variants pass.
func TestIDTokenAudienceAndIssuedAt(t *testing.T) {
	t.Parallel()
	future := func(d time.Duration) func(map[string]any) {
		return func(c map[string]any) { c["iat"] = time.Now().Add(d).Unix() }
	}
	tests := []struct {
		name    string
		shape   func(map[string]any)
		wantErr string // "" when the token is accepted
	}{
		{"several audiences with our azp", idpemu.MultiAudience("tip-cli-sandbox", "https://api.example"), ""},
		{"several audiences without azp", idpemu.MultiAudience("", "https://api.example"), "has 2 audiences and no azp claim"},
		{"several audiences, another client's azp", idpemu.MultiAudience("other-client", "other-client"), `issued to another client (azp "other-client"`},
		{"iat a minute ahead", future(time.Minute), ""},
		{"iat an hour ahead", future(time.Hour), "in the future, more than the 5m0s clock skew allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := testkit.New(t, sandbox.EnvOptions{})
			k.Configure(t, "default")
			k.Env.IdP.ShapeIDTokens(tt.shape)
			check := func(what string, r result, credential bool) {
				t.Helper()
				switch {
				case tt.wantErr == "" && r.code != 0:
					t.Errorf("%s: code %d: %s", what, r.code, r.stderr)
				case tt.wantErr != "" && (r.code == 0 || !strings.Contains(r.stderr, tt.wantErr) || r.stdout != ""):
					t.Errorf("%s: code %d stdout %q stderr %q, want an error containing %q", what, r.code, r.stdout, r.stderr, tt.wantErr)
				case tt.wantErr == "" && credential:
					decodeProcess(t, r.stdout)
				}
			}
			check("sign-in", run(t, k, "auth"), false)

			// The refresh path verifies the same way.
			k.Env.IdP.ShapeIDTokens(nil)
			if r := run(t, k, "auth"); r.code != 0 {
				t.Fatalf("plain sign-in: %s", r.stderr)
			}
			k.Env.IdP.ShapeIDTokens(tt.shape)
			check("refresh", run(t, k, "auth", "get-iam-credentials", "--force-refresh", "--non-interactive"), true)
		})
	}
}

// TestConfigureRefusesLookalikeLoopback: a DNS name that merely starts
// like 127.x is not loopback, so a plain-http issuer on it is refused by
// `configure idp` and nothing is saved.
func TestConfigureRefusesLookalikeLoopback(t *testing.T) {
	t.Parallel()
	k := testkit.New(t, sandbox.EnvOptions{})
	for _, iss := range []string{"http://127.evil.example/", "http://127.0.0.1.nip.io/"} {
		conf := `{"issuer_url":"` + iss + `","client_id":"c",` +
			`"token_exchange_application_arn":"arn:aws:sso::123456789012:application/ssoins-1111222233334444/apl-5555666677778888",` +
			`"oidc_role_arn":"arn:aws:iam::123456789012:role/o","id_enhanced_role_arn":"arn:aws:iam::123456789012:role/i","region":"us-east-1"}`
		r := run(t, k, "configure", "idp", "--provider", "oidc", "--config", conf)
		if r.code == 0 || r.stdout != "" || !strings.Contains(r.stderr, "must use https (plain http is allowed only on loopback)") {
			t.Errorf("%s: code %d stdout %q stderr %q", iss, r.code, r.stdout, r.stderr)
		}
		cfg, err := config.Load(k.Dir)
		if err != nil || len(cfg.Profiles) != 0 {
			t.Errorf("%s: profile saved anyway: %v %v", iss, cfg.Profiles, err)
		}
	}
}

// TestConsoleDestinationRefused: `console --destination` takes only an
// https AWS console address; anything else is a usage error before any
// call to AWS or the IdP, with nothing on stdout. A regional console URL
// passes.
func TestConsoleDestinationRefused(t *testing.T) {
	t.Parallel()
	k := signedIn(t)
	k.Vars["TIP_CLI_FEDERATION_ENDPOINT"] = k.Env.AWS.URL() + "/federation"
	// Expire the cached session so that any run past validation would call AWS.
	expireSessions(t, k)
	awsBefore, idpBefore := k.Env.AWS.Counts(), k.Env.IdP.Counts()
	for _, dest := range []string{
		"http://console.aws.amazon.com/", "javascript:alert(1)", "https://evil.example/",
		"https://console.aws.amazon.com.evil.example/", "https://user@console.aws.amazon.com/",
		"https://bucket.s3.amazonaws.com/page.html", "/s3/home", "file:///etc/passwd",
	} {
		r := run(t, k, "console", "--print", "--destination", dest)
		if r.code != cmdutil.ExitUsage || r.stdout != "" || !strings.Contains(r.stderr, "--destination: destination") {
			t.Errorf("%s: code %d stdout %q stderr %q", dest, r.code, r.stdout, r.stderr)
		}
	}
	if a, i := k.Env.AWS.Counts(), k.Env.IdP.Counts(); !maps.Equal(a, awsBefore) || !maps.Equal(i, idpBefore) {
		t.Errorf("a refused destination reached AWS or the IdP: aws %v → %v, idp %v → %v", awsBefore, a, idpBefore, i)
	}
	r := run(t, k, "console", "--print", "--destination", "https://eu-west-1.console.aws.amazon.com/s3/home")
	if u, err := url.Parse(strings.TrimSpace(r.stdout)); r.code != 0 || err != nil || u.Query().Get("Destination") != "https://eu-west-1.console.aws.amazon.com/s3/home" {
		t.Errorf("regional console: code %d stdout %q stderr %s", r.code, r.stdout, r.stderr)
	}
}

// expireSessions makes every cached session of the default profile look expired.
func expireSessions(t *testing.T, k *testkit.Kit) {
	t.Helper()
	b, err := k.Store.Get(context.Background(), "default")
	if err != nil || b == nil {
		t.Fatalf("no cached bundle: %v", err)
	}
	for _, c := range b.Sessions {
		c.Expiration = time.Now().Add(-time.Minute)
	}
	if err := k.Store.Put(context.Background(), "default", b); err != nil {
		t.Fatal(err)
	}
}

// TestConfigureAWSProfileCommentMarkers: `configure aws-profile` for a
// tip-cli profile and an S3 prefix whose names hold " #" and " ;" writes a
// credential_process line that the Go SDK reads whole (it used to cut it at
// " #" and fail with "Unterminated quoted string") and that botocore reads
// identically, and sh runs it with the arguments unchanged.
func TestConfigureAWSProfileCommentMarkers(t *testing.T) {
	t.Parallel()
	k := testkit.New(t, sandbox.EnvOptions{})
	k.Configure(t, "team #1")
	awsCfg := filepath.Join(t.TempDir(), "config")
	k.Vars["AWS_CONFIG_FILE"] = awsCfg
	const uri = "s3://tip-sandbox-data/q1 #draft/ ;old/"
	mustRun(t, k, "--profile", "team #1", "configure", "aws-profile", "data", "--s3ag", uri)

	sc, err := awssdkconfig.LoadSharedConfigProfile(context.Background(), "data", func(o *awssdkconfig.LoadSharedConfigOptions) {
		o.ConfigFiles, o.CredentialsFiles = []string{awsCfg}, []string{}
	})
	if err != nil {
		t.Fatal(err)
	}
	line := sc.CredentialProcess
	exe, _ := k.F.Executable()
	rest, ok := strings.CutPrefix(line, exe+" ")
	if !ok {
		t.Fatalf("go sdk read credential_process %q", line)
	}
	out, err := exec.Command("sh", "-c", `printf '%s\0' `+rest).Output()
	if err != nil {
		t.Fatalf("sh -c %s: %v", line, err)
	}
	want := []string{"--profile", "team #1", "s3ag", "get-data-access", uri, "--permission", "READ"}
	if got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00"); !slices.Equal(got, want) {
		t.Errorf("sh ran %q, want %q", got, want)
	}
	py, err := exec.LookPath("python3")
	if err != nil || exec.Command(py, "-c", "import botocore").Run() != nil {
		t.Skip("botocore not installed: only the Go SDK was checked")
	}
	bout, err := exec.Command(py, "-c", "import sys; from botocore.configloader import load_config as l; print(l(sys.argv[1])['profiles']['data']['credential_process'])", awsCfg).Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSuffix(string(bout), "\n"); got != line {
		t.Errorf("botocore reads %q, the Go SDK %q", got, line)
	}
}
