package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/tip-cli/tip-cli/internal/broker/callerauth"
	"github.com/tip-cli/tip-cli/internal/broker/client"
	"github.com/tip-cli/tip-cli/internal/broker/registry"
	"github.com/tip-cli/tip-cli/internal/sandbox/brokeremu"
)

const (
	brokerID     = "load.test"
	startTimeout = 15 * time.Second
	stopTimeout  = 10 * time.Second
	clkTck       = 100 // USER_HZ: /proc/<pid>/stat CPU times are in 1/100 s on Linux
)

// runResult is one run: a fresh sandbox and broker process, one or two rounds.
type runResult struct {
	Rounds          []roundResult `json:"rounds"`
	JWKSFetches     int           `json:"jwks_fetches"`
	BrokerPeakRSSKB int           `json:"broker_peak_rss_kb"`
	BrokerLog       string        `json:"broker_log,omitempty"`
	Problems        []string      `json:"problems,omitempty"`
}

// roundResult is one burst of N credential requests.
type roundResult struct {
	Name              string  `json:"round"`
	N                 int     `json:"n"`
	Concurrency       int     `json:"concurrency"`
	Failures          int     `json:"failures"`
	FirstError        string  `json:"first_error,omitempty"`
	P50Ms             float64 `json:"p50_ms"`
	P90Ms             float64 `json:"p90_ms"`
	P99Ms             float64 `json:"p99_ms"`
	MaxMs             float64 `json:"max_ms"`
	WallMs            float64 `json:"wall_ms"`
	ThroughputRPS     float64 `json:"throughput_rps"`
	GetCallerIdentity int     `json:"sts_get_caller_identity"`
	AssumeRole        int     `json:"sts_assume_role"`
	TagMismatches     int     `json:"tag_mismatches"`
	BrokerCPUMs       float64 `json:"broker_cpu_ms"`
	LoadCPUMs         float64 `json:"loadgen_cpu_ms"`
}

// loadRun starts a sandbox and a broker, registers the application and
// runs the rounds; the returned Problems list what failed the checks.
func loadRun(ctx context.Context, o options) (runResult, error) {
	dir, err := os.MkdirTemp("", "brokerload-")
	if err != nil {
		return runResult{}, fmt.Errorf("temp dir: %w", err)
	}
	sc, err := brokeremu.StartBrokerScenario(brokeremu.BrokerScenarioOptions{})
	if err != nil {
		os.RemoveAll(dir)
		return runResult{}, fmt.Errorf("start sandbox: %w", err)
	}
	defer sc.Close()
	b, err := startBroker(o.broker, sc, dir)
	if err != nil {
		os.RemoveAll(dir)
		return runResult{}, err
	}
	res, err := measure(ctx, o, sc, b)
	b.stop()
	if err != nil || len(res.Problems) > 0 || o.keep {
		res.BrokerLog = b.logPath
	} else {
		os.RemoveAll(dir)
	}
	return res, err
}

// measure registers the application and runs the rounds against b.
func measure(ctx context.Context, o options, sc *brokeremu.BrokerScenario, b *broker) (runResult, error) {
	app := sc.AppCredentials(time.Hour)
	transport := &http.Transport{MaxIdleConns: 2 * o.concurrency, MaxIdleConnsPerHost: o.concurrency, IdleConnTimeout: time.Minute}
	defer transport.CloseIdleConnections()
	base := client.Client{
		Endpoint: b.url, Auth: client.AuthSTS, Region: sc.AWS.Region(), BrokerID: brokerID, STSEndpoint: sc.AWS.URL(),
		Signer: credentials.NewStaticCredentialsProvider(app.AccessKeyID, app.SecretAccessKey, app.SessionToken),
		HTTP:   &http.Client{Transport: transport, Timeout: time.Minute},
	}
	if _, err := base.Register(ctx, registry.Application{AccessRoleName: brokeremu.BrokerAccessRole,
		SessionTagKey: brokeremu.BrokerTagKey, JWTClaimName: brokeremu.BrokerTagKey, JWKSetURL: sc.App.JWKSURL()}); err != nil {
		return runResult{}, fmt.Errorf("register the application: %w", err)
	}
	tokens := make([]string, o.n)
	for i := range tokens {
		var err error
		if tokens[i], err = sc.TenantToken(fmt.Sprintf("%s-%d", strings.ToLower(tenantOf(i)), i), tenantOf(i)); err != nil {
			return runResult{}, fmt.Errorf("mint token: %w", err)
		}
	}
	var res runResult
	names := []string{"cold", "warm"}
	if o.quick {
		names = names[:1]
	}
	for _, name := range names {
		rd := round(ctx, name, base, transport, tokens, o.concurrency, sc, b.pid)
		res.Rounds = append(res.Rounds, rd)
		res.Problems = append(res.Problems, rd.problems(name)...)
	}
	res.JWKSFetches = sc.App.JWKSFetches()
	res.BrokerPeakRSSKB = peakRSS(b.pid)
	if res.JWKSFetches != 1 {
		res.Problems = append(res.Problems, fmt.Sprintf("JWKS fetched %d times, want 1", res.JWKSFetches))
	}
	return res, nil
}

// tenantOf alternates Yellow and Blue.
func tenantOf(i int) string {
	if i%2 == 0 {
		return "Yellow"
	}
	return "Blue"
}

func (r roundResult) problems(name string) []string {
	var p []string
	if r.Failures > 0 {
		p = append(p, fmt.Sprintf("%s round: %d of %d requests failed (first: %s)", name, r.Failures, r.N, r.FirstError))
	}
	if r.GetCallerIdentity != r.N || r.AssumeRole != r.N {
		p = append(p, fmt.Sprintf("%s round: STS GetCallerIdentity %d, AssumeRole %d, want %d each", name, r.GetCallerIdentity, r.AssumeRole, r.N))
	}
	if r.TagMismatches > 0 {
		p = append(p, fmt.Sprintf("%s round: %d AssumeRole calls tagged with another user's tenant", name, r.TagMismatches))
	}
	return p
}

// round fires one burst and collects its figures and the sandbox's view.
func round(ctx context.Context, name string, base client.Client, rt http.RoundTripper, tokens []string, conc int,
	sc *brokeremu.BrokerScenario, pid int) roundResult {
	before := sc.AWS.Counts()
	assumedBefore := len(sc.AWS.Requests("AssumeRole"))
	brokerCPU, loadCPU := processCPU(pid), selfCPU()
	lat, errs, wall := fire(ctx, base, rt, tokens, conc)
	rd := roundResult{Name: name, N: len(tokens), Concurrency: conc,
		WallMs: ms(wall), ThroughputRPS: math.Round(10*float64(len(tokens))/wall.Seconds()) / 10,
		BrokerCPUMs: ms(processCPU(pid) - brokerCPU), LoadCPUMs: ms(selfCPU() - loadCPU)}
	var ok []time.Duration
	for i, err := range errs {
		if err != nil {
			if rd.Failures == 0 {
				rd.FirstError = err.Error()
			}
			rd.Failures++
			continue
		}
		ok = append(ok, lat[i])
	}
	slices.Sort(ok)
	rd.P50Ms, rd.P90Ms, rd.P99Ms = ms(percentile(ok, 0.50)), ms(percentile(ok, 0.90)), ms(percentile(ok, 0.99))
	if len(ok) > 0 {
		rd.MaxMs = ms(ok[len(ok)-1])
	}
	after := sc.AWS.Counts()
	rd.GetCallerIdentity = after["GetCallerIdentity"] - before["GetCallerIdentity"]
	rd.AssumeRole = after["AssumeRole"] - before["AssumeRole"]
	for _, rec := range sc.AWS.Requests("AssumeRole")[assumedBefore:] {
		user, _, _ := strings.Cut(strings.TrimPrefix(rec.Params.Get("RoleSessionName"), callerauth.BrokerSessionPrefix), "-")
		if !strings.EqualFold(user, rec.Params.Get("Tags.member.1.Value")) {
			rd.TagMismatches++
		}
	}
	return rd
}

// fire sends one request per token from conc goroutines that all start at
// the same moment. Latency runs from the moment the HTTP request is handed
// to the transport (after presigning) to the decoded answer.
func fire(ctx context.Context, base client.Client, rt http.RoundTripper, tokens []string, conc int) ([]time.Duration, []error, time.Duration) {
	lat := make([]time.Duration, len(tokens))
	errs := make([]error, len(tokens))
	var next atomic.Int64
	start := make(chan struct{})
	var ready, done sync.WaitGroup
	for range conc {
		ready.Add(1)
		done.Go(func() {
			st := &stampTransport{base: rt}
			c := base
			c.HTTP = &http.Client{Transport: st, Timeout: base.HTTP.Timeout}
			ready.Done()
			<-start
			for i := int(next.Add(1) - 1); i < len(tokens); i = int(next.Add(1) - 1) {
				st.at = time.Time{}
				creds, err := c.Credentials(ctx, tokens[i])
				end := time.Now()
				if err == nil && (creds.AccessKeyID == "" || creds.SessionToken == "") {
					err = errors.New("answer without credentials")
				}
				lat[i], errs[i] = end.Sub(st.at), err
			}
		})
	}
	ready.Wait()
	t0 := time.Now()
	close(start)
	done.Wait()
	return lat, errs, time.Since(t0)
}

// stampTransport records when its (one goroutine's) request was sent.
type stampTransport struct {
	base http.RoundTripper
	at   time.Time
}

func (s *stampTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	s.at = time.Now()
	return s.base.RoundTrip(r)
}

// percentile is the nearest-rank percentile of sorted values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	k := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(k, 0)]
}

func ms(d time.Duration) float64 { return math.Round(float64(d.Microseconds())/10) / 100 }

// broker is a running `tip-broker serve` process.
type broker struct {
	cmd     *exec.Cmd
	pid     int
	url     string
	logPath string
	copied  chan struct{} // closed when its stderr reached EOF
}

// startBroker runs the binary with the broker role's credentials and
// returns once it printed the URL it serves; its stderr goes to a log file.
func startBroker(path string, sc *brokeremu.BrokerScenario, dir string) (*broker, error) {
	logPath := filepath.Join(dir, "broker.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("broker log: %w", err)
	}
	cmd := exec.Command(path, "serve", "--listen", "127.0.0.1:0", "--broker-id", brokerID,
		"--sts-endpoint", sc.AWS.URL(), "--db", filepath.Join(dir, "registrations.db"), "--rate", "0", "--source-rate", "0",
		"--insecure-allow-private-jwks", "--log-format", "json")
	cmd.Env = brokerEnv(sc)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		logFile.Close()
		return nil, fmt.Errorf("broker stderr: %w", err)
	}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	b := &broker{cmd: cmd, pid: cmd.Process.Pid, logPath: logPath, copied: make(chan struct{})}
	urls := make(chan string, 1)
	go func() {
		defer close(b.copied)
		defer logFile.Close()
		lines := bufio.NewReader(stderr)
		for {
			line, err := lines.ReadString('\n')
			_, _ = logFile.WriteString(line)
			if rest, ok := strings.CutPrefix(line, "tip-broker: serving "); ok {
				url, _, _ := strings.Cut(rest, " ")
				urls <- url
				_, _ = io.Copy(logFile, lines)
				return
			}
			if err != nil {
				return
			}
		}
	}()
	select {
	case b.url = <-urls:
		return b, nil
	case <-b.copied:
	case <-time.After(startTimeout):
	}
	b.stop()
	log, _ := os.ReadFile(logPath)
	return nil, fmt.Errorf("tip-broker serve did not start; its stderr:\n%s", log)
}

// stop sends SIGTERM, waits for the graceful stop (killing after
// stopTimeout) and reaps the process.
func (b *broker) stop() {
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-b.copied:
	case <-time.After(stopTimeout):
		_ = b.cmd.Process.Kill()
		<-b.copied
	}
	_ = b.cmd.Wait()
}

// brokerEnv is the environment of the broker process: no ambient AWS or
// tip-broker settings, the broker role's credentials and the sandbox's STS.
func brokerEnv(sc *brokeremu.BrokerScenario) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "TIP_BROKER_") {
			env = append(env, kv)
		}
	}
	c := sc.BrokerCredentials(time.Hour)
	return append(env,
		"AWS_ACCESS_KEY_ID="+c.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY="+c.SecretAccessKey,
		"AWS_SESSION_TOKEN="+c.SessionToken,
		"AWS_REGION="+sc.AWS.Region(),
		"AWS_ENDPOINT_URL_STS="+sc.AWS.URL(),
		"AWS_CONFIG_FILE="+os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE="+os.DevNull,
		"AWS_EC2_METADATA_DISABLED=true",
	)
}

// peakRSS is VmHWM of pid in kB, or -1 when /proc does not say.
func peakRSS(pid int) int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			if err == nil {
				return kb
			}
		}
	}
	return -1
}

// processCPU is the user+system CPU time of pid so far (0 if unknown).
func processCPU(pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the parenthesised command name; utime and stime are
	// fields 14 and 15 of the whole line.
	i := strings.LastIndex(string(data), ") ")
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(data[i+2:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / clkTck
}
