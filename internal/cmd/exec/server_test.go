package exec_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	execcmd "github.com/tip-cli/tip-cli/internal/cmd/exec"
	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/testbuf"
	"github.com/tip-cli/tip-cli/internal/testkit"
)

const (
	phases = 3 // before the first refresh point, after it, after the second
	// lifetime of every sandbox session. credproc's policy serves a 300 s
	// session while less than 90 s old; the server refreshes it ahead at
	// 45 s of age (credproc.Policy.Ahead), counted once the session was
	// taken. Each phase starts once the server has refreshed ahead, so its
	// clients (the AWS CLI makes two calls, each a new process) have 45 s
	// to ask before the next refresh, however slowly the AWS CLI starts on
	// a loaded machine.
	lifetime = 300 * time.Second
	clients  = 6 // per phase: 2 Go SDK, 2 boto3, 2 AWS CLI
)

// clientsScript runs, inside exec --server, two of each real client; each
// waits for $SYNC/go-PHASE, calls, and reports in $SYNC/report.*.PHASE.
const clientsScript = `
env | grep -E '^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|DEFAULT_PROFILE)=' | sed 's/=.*//; s/^/staticenv /'
echo "container ${AWS_CONTAINER_CREDENTIALS_FULL_URI:-none} ${AWS_CONTAINER_AUTHORIZATION_TOKEN:+token}"
for i in 1 2; do TIP_TEST_GOSDK_CLIENT=1 "$GOCLIENT" & done
for i in 1 2; do python3 -c "$PYCLIENT" & done
for i in 1 2; do (
	for ph in 0 1 2; do
		while [ ! -e "$SYNC/go-$ph" ]; do sleep 0.05; done
		exp=$("$AWS2" configure export-credentials --format env-no-export 2>&1)
		key=$(echo "$exp" | sed -n 's/^AWS_ACCESS_KEY_ID=//p')
		[ -n "$key" ] || key="ERROR($(echo "$exp" | tr '\n' ' '))"
		arn=$("$AWS2" sts get-caller-identity --endpoint-url "$AWS_ENDPOINT_URL" --query Arn --output text 2>&1 | tr '\n' ' ')
		line="awscli $ph $key $arn"
		echo "$line"
		echo "$line" > "$SYNC/tmp.$i.$ph" && mv "$SYNC/tmp.$i.$ph" "$SYNC/report.awscli$i.$ph"
	done ) & done
wait
`

// pyClient is a long-running boto3 program: one session for all phases.
const pyClient = `
import boto3, os, time
sync = os.environ["SYNC"]
s = boto3.Session()
sts = s.client("sts")
for ph in range(3):
    while not os.path.exists(f"{sync}/go-{ph}"):
        time.sleep(0.05)
    try:
        key = s.get_credentials().get_frozen_credentials().access_key
        line = f"boto3 {ph} {key} {sts.get_caller_identity()['Arn']}"
    except Exception as e:
        line = f"boto3 {ph} ERROR " + repr(e).replace("\n", " ")
    print(line, flush=True)
    tmp = f"{sync}/tmp.py{os.getpid()}.{ph}"
    with open(tmp, "w") as f:
        f.write(line + "\n")
    os.rename(tmp, f"{sync}/report.py{os.getpid()}.{ph}")
`

// TestExecServerRealClients runs the Go SDK v2, boto3 and the AWS CLI v2
// inside exec --server while sessions pass two refresh points: every call
// succeeds, all clients of a phase see one key, the key changes at each
// refresh point, exactly one chain (one GetDataAccess with --s3ag) runs per
// refresh point, in the background: no request waits for one (the server's
// request log says refreshed=false for every request), and no static key
// reaches the command.
func TestExecServerRealClients(t *testing.T) {
	if os.Getenv("TIP_CLI_TEST_REAL_CLIENTS") != "1" {
		t.Skip("set TIP_CLI_TEST_REAL_CLIENTS=1 (needs python3 with boto3 and the AWS CLI v2, /usr/bin/aws or $AWS2)")
	}
	aws2 := os.Getenv("AWS2")
	if aws2 == "" {
		aws2 = "/usr/bin/aws" // Debian's AWS CLI v2; the aws on PATH may be v1
	}
	for _, bin := range []string{"python3", aws2} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s not found: %v (apt-get install -y awscli)", bin, err)
		}
	}
	for _, tt := range []struct {
		name     string
		flags    []string
		arn      string
		countsOp string
	}{
		{name: "session", arn: "assumed-role/tip-sandbox-id-enhanced/tip-", countsOp: "AssumeRole"},
		{name: "s3ag", flags: []string{"--s3ag", "s3://tip-sandbox-data/analysts/", "--permission", "READWRITE"},
			arn: "assumed-role/tip-sandbox-s3ag-location/", countsOp: "GetDataAccess"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k := testkit.New(t, sandbox.EnvOptions{SessionLifetime: lifetime})
			k.Configure(t, "default")
			self, err := os.Executable()
			if err != nil {
				t.Fatal(err)
			}
			home, sync := t.TempDir(), t.TempDir()
			for key, v := range map[string]string{
				"PATH": os.Getenv("PATH"), "HOME": home, "AWS2": aws2, "GOCLIENT": self, "PYCLIENT": pyClient,
				"SYNC":             sync,
				"AWS_ENDPOINT_URL": k.Env.AWS.URL(), "AWS_CONFIG_FILE": home + "/config",
				"AWS_SHARED_CREDENTIALS_FILE": home + "/credentials", "AWS_EC2_METADATA_DISABLED": "true",
				// decoys exec must remove
				"AWS_ACCESS_KEY_ID": "AKIADECOYDECOYDECOY0", "AWS_SECRET_ACCESS_KEY": "decoy", "AWS_PROFILE": "decoy",
			} {
				k.Vars[key] = v
			}
			// The request log (--debug) tells which requests waited.
			serverLog := &testbuf.Buffer{}
			k.F.Debug, k.F.IOStreams.ErrOut = true, serverLog
			cmd := execcmd.NewCmdExec(k.F, nil)
			cmd.SetArgs(append(append([]string{"--server"}, tt.flags...), "--", "sh", "-c", clientsScript))
			before := k.Env.AWS.Counts()
			ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- cmd.ExecuteContext(ctx) }()
			if err := pacePhases(ctx, sync, serverLog, done); err != nil {
				cancel()
				<-done
				t.Fatalf("%v\nstdout:\n%s\nstderr:\n%s", err, k.Out, serverLog)
			}
			if err := <-done; err != nil {
				t.Fatalf("exec --server: %v\nstdout:\n%s\nstderr:\n%s", err, k.Out, serverLog)
			}
			after := k.Env.AWS.Counts()
			checkRun(t, k.Out.String(), tt.arn)
			checkServed(t, serverLog.String())
			// One fetch before CMD starts, then exactly one per expiry.
			if d := after[tt.countsOp] - before[tt.countsOp]; d != phases {
				t.Errorf("%s calls = %d, want %d (1 before the command + 1 per expiry)\n%s", tt.countsOp, d, phases, k.Out)
			}
			if tt.countsOp != "AssumeRole" {
				if d := after["AssumeRole"] - before["AssumeRole"]; d != phases {
					t.Errorf("AssumeRole calls = %d, want %d", d, phases)
				}
			}
		})
	}
}

// pacePhases starts each phase once every client reported the previous
// one and the server has refreshed ahead since (the phase's new key).
func pacePhases(ctx context.Context, sync string, serverLog *testbuf.Buffer, done <-chan error) error {
	for ph := 0; ph < phases; ph++ {
		if ph > 0 {
			if err := waitReports(ctx, sync, ph-1, done); err != nil {
				return err
			}
			if err := waitLog(ctx, serverLog, `msg="refreshed ahead"`, ph, done); err != nil {
				return err
			}
		}
		if err := os.WriteFile(filepath.Join(sync, fmt.Sprintf("go-%d", ph)), nil, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// waitLog waits until the server's log holds n lines with msg.
func waitLog(ctx context.Context, log *testbuf.Buffer, msg string, n int, done <-chan error) error {
	for strings.Count(log.String(), msg) < n {
		select {
		case err := <-done:
			return fmt.Errorf("exec --server ended waiting for %d× %s: %v", n, msg, err)
		case <-ctx.Done():
			return fmt.Errorf("waiting for %d× %s: %w", n, msg, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	return nil
}

// checkServed checks the server's request log: every request answered
// from memory (refreshed=false: none waited for a chain), and reports the
// slowest request against the p99 of all.
func checkServed(t *testing.T, log string) {
	t.Helper()
	var took []time.Duration
	for _, line := range strings.Split(log, "\n") {
		if !strings.Contains(line, `msg="request served"`) {
			continue
		}
		if !strings.Contains(line, "refreshed=false") {
			t.Errorf("a request waited for a refresh: %s", line)
		}
		for _, f := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(f, "took="); ok {
				if d, err := time.ParseDuration(v); err == nil {
					took = append(took, d)
				}
			}
		}
	}
	if len(took) < phases*clients {
		t.Fatalf("%d requests in the server log, want at least %d", len(took), phases*clients)
	}
	slices.Sort(took)
	t.Logf("%d requests served: p50 %s, p99 %s, slowest %s", len(took), took[len(took)/2], took[(len(took)*99+99)/100-1], took[len(took)-1])
}

// waitReports waits for all clients' reports of phase ph.
func waitReports(ctx context.Context, sync string, ph int, done <-chan error) error {
	for {
		files, _ := filepath.Glob(filepath.Join(sync, fmt.Sprintf("report.*.%d", ph)))
		if len(files) == clients {
			return nil
		}
		select {
		case err := <-done:
			return fmt.Errorf("exec --server ended in phase %d (%d reports): %v", ph, len(files), err)
		case <-ctx.Done():
			return fmt.Errorf("phase %d: %d of %d clients reported: %w", ph, len(files), clients, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// checkRun checks the clients' report: no static key in the environment,
// every call succeeded with the expected role, one key per phase shared by
// all six clients, a new key at each refresh.
func checkRun(t *testing.T, out, wantARN string) {
	t.Helper()
	keys := map[string]map[string]int{} // phase → key → clients
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
		case f[0] == "staticenv":
			t.Errorf("the command's environment holds %s", f[1])
		case f[0] == "container":
			if len(f) != 3 || !strings.HasPrefix(f[1], "http://127.0.0.1:") || f[2] != "token" {
				t.Errorf("container variables: %q", line)
			}
		case len(f) < 4 || strings.HasPrefix(f[2], "ERROR") || !strings.Contains(f[3], wantARN):
			t.Errorf("client call failed: %q", line)
		default:
			if keys[f[1]] == nil {
				keys[f[1]] = map[string]int{}
			}
			keys[f[1]][f[2]]++
		}
	}
	seen := map[string]bool{}
	for ph := 0; ph < phases; ph++ {
		got := keys[fmt.Sprint(ph)]
		if len(got) != 1 {
			t.Errorf("phase %d: clients saw %d keys, want 1: %v", ph, len(got), got)
		}
		n := 0
		for _, c := range got {
			n += c
		}
		if n != clients {
			t.Errorf("phase %d: %d clients answered, want %d", ph, n, clients)
		}
		for key := range got {
			if seen[key] {
				t.Errorf("phase %d: key %s did not change at expiry", ph, key)
			}
			seen[key] = true
		}
	}
}
