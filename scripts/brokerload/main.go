// Command brokerload is the load run of issue #8: it starts the broker
// scenario of the sandbox in-process, runs the real `tip-broker serve`
// binary against it, registers the application, then fires N credential
// requests from C goroutines released at once, twice (a cold round, where
// the first requests wait for the one JWKS fetch, and a warm round). Each
// request presigns its own GetCallerIdentity, so each costs the broker one
// STS GetCallerIdentity, one JWT verification against the cached JWKS and
// one STS AssumeRole. scripts/broker-load.sh builds the binary and runs it.
//
// Usage:
//
//	go run ./scripts/brokerload --broker PATH [--n 200] [--concurrency 200] [--runs 1] [--quick] [--json] [--keep]
//
// It exits 1 when a request fails, the JWKS was fetched other than once,
// the STS counts differ from N per round or an AssumeRole carries another
// user's tenant as its session tag; 2 on bad flags.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strings"
	"syscall"
)

// options are the command-line settings.
type options struct {
	broker      string
	n           int
	concurrency int
	runs        int
	quick       bool
	json        bool
	keep        bool
}

// report is everything one invocation measured (the --json object).
type report struct {
	GoVersion   string      `json:"go_version"`
	Platform    string      `json:"platform"`
	CPUs        int         `json:"cpus"`
	LoadAverage string      `json:"load_average,omitempty"`
	N           int         `json:"n"`
	Concurrency int         `json:"concurrency"`
	Runs        []runResult `json:"runs"`
	Summary     []summary   `json:"summary"`
	OK          bool        `json:"ok"`
	Problems    []string    `json:"problems,omitempty"`
}

// summary is the median and range of one round kind over the runs.
type summary struct {
	Round         string  `json:"round"`
	P50Ms         float64 `json:"p50_ms_median"`
	P50MinMs      float64 `json:"p50_ms_min"`
	P50MaxMs      float64 `json:"p50_ms_max"`
	P99Ms         float64 `json:"p99_ms_median"`
	P99MinMs      float64 `json:"p99_ms_min"`
	P99MaxMs      float64 `json:"p99_ms_max"`
	ThroughputRPS float64 `json:"throughput_rps_median"`
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "brokerload: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep := report{GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH,
		CPUs: runtime.NumCPU(), LoadAverage: loadAverage(), N: o.n, Concurrency: o.concurrency}
	for i := range o.runs {
		if !o.json {
			fmt.Fprintf(stderr, "--- run %d/%d: %d requests, %d at once\n", i+1, o.runs, o.n, o.concurrency)
		}
		r, err := loadRun(ctx, o)
		if err != nil {
			fmt.Fprintf(stderr, "brokerload: run %d: %v\n", i+1, err)
			return 1
		}
		rep.Runs = append(rep.Runs, r)
		rep.Problems = append(rep.Problems, r.Problems...)
	}
	rep.Summary = summarize(rep.Runs)
	rep.OK = len(rep.Problems) == 0
	if o.json {
		enc := json.NewEncoder(stdout)
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintf(stderr, "brokerload: %v\n", err)
			return 1
		}
	} else {
		printReport(stdout, rep)
	}
	if !rep.OK {
		for _, p := range rep.Problems {
			fmt.Fprintf(stderr, "brokerload: FAIL: %s\n", p)
		}
		return 1
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("brokerload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.broker, "broker", "", "path of a built tip-broker binary (required)")
	fs.IntVar(&o.n, "n", 200, "credential requests per round")
	fs.IntVar(&o.concurrency, "concurrency", 200, "goroutines released at once (each loops until N are sent)")
	fs.IntVar(&o.runs, "runs", 1, "independent runs, each with a fresh sandbox and broker process")
	fs.BoolVar(&o.quick, "quick", false, "one run of one cold round of 200 requests (CI)")
	fs.BoolVar(&o.json, "json", false, "print the results as one JSON object")
	fs.BoolVar(&o.keep, "keep", false, "keep the broker's log (kept anyway when a check fails)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.quick {
		o.n, o.runs = 200, 1
		o.concurrency = min(o.concurrency, o.n)
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case o.broker == "":
		return o, errors.New("--broker PATH is required (scripts/broker-load.sh builds it)")
	case o.n < 1 || o.concurrency < 1 || o.concurrency > o.n:
		return o, errors.New("need 1 ≤ --concurrency ≤ --n")
	case o.runs < 1 || o.runs > 20:
		return o, errors.New("--runs must be 1 to 20")
	}
	return o, nil
}

// summarize computes, per round name, the median and range of p50, p99 and
// the median throughput over the runs.
func summarize(runs []runResult) []summary {
	var names []string
	byName := map[string][]roundResult{}
	for _, r := range runs {
		for _, rd := range r.Rounds {
			if _, ok := byName[rd.Name]; !ok {
				names = append(names, rd.Name)
			}
			byName[rd.Name] = append(byName[rd.Name], rd)
		}
	}
	var out []summary
	for _, name := range names {
		rds := byName[name]
		pick := func(f func(roundResult) float64) []float64 {
			v := make([]float64, len(rds))
			for i, rd := range rds {
				v[i] = f(rd)
			}
			slices.Sort(v)
			return v
		}
		p50 := pick(func(r roundResult) float64 { return r.P50Ms })
		p99 := pick(func(r roundResult) float64 { return r.P99Ms })
		rps := pick(func(r roundResult) float64 { return r.ThroughputRPS })
		out = append(out, summary{Round: name,
			P50Ms: median(p50), P50MinMs: p50[0], P50MaxMs: p50[len(p50)-1],
			P99Ms: median(p99), P99MinMs: p99[0], P99MaxMs: p99[len(p99)-1],
			ThroughputRPS: median(rps)})
	}
	return out
}

// median of sorted values.
func median(v []float64) float64 {
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

func printReport(w io.Writer, rep report) {
	fmt.Fprintf(w, "\n--- results (%s %s, %d CPUs, load average %s at start; n=%d, concurrency=%d)\n",
		rep.GoVersion, rep.Platform, rep.CPUs, rep.LoadAverage, rep.N, rep.Concurrency)
	fmt.Fprintf(w, "%-4s %-5s %5s %4s %8s %8s %8s %8s %8s %8s %5s %5s %9s %9s\n",
		"run", "round", "n", "fail", "p50 ms", "p90 ms", "p99 ms", "max ms", "wall ms", "req/s", "GCI", "AR", "broker ms", "sandbox ms")
	for i, r := range rep.Runs {
		for _, rd := range r.Rounds {
			fmt.Fprintf(w, "%-4d %-5s %5d %4d %8.1f %8.1f %8.1f %8.1f %8.0f %8.0f %5d %5d %9.0f %9.0f\n",
				i+1, rd.Name, rd.N, rd.Failures, rd.P50Ms, rd.P90Ms, rd.P99Ms, rd.MaxMs, rd.WallMs, rd.ThroughputRPS,
				rd.GetCallerIdentity, rd.AssumeRole, rd.BrokerCPUMs, rd.LoadCPUMs)
			if rd.FirstError != "" {
				fmt.Fprintf(w, "     first error: %s\n", rd.FirstError)
			}
		}
		fmt.Fprintf(w, "     JWKS fetches %d, broker peak RSS %s\n", r.JWKSFetches, rssText(r.BrokerPeakRSSKB))
		if r.BrokerLog != "" {
			fmt.Fprintf(w, "     broker log: %s\n", r.BrokerLog)
		}
	}
	fmt.Fprintln(w, "(GCI/AR: STS GetCallerIdentity/AssumeRole calls in the round; broker ms: CPU time of the broker")
	fmt.Fprintln(w, " process in the round; sandbox ms: CPU time of this process — sandbox STS, JWKS and the clients)")
	if len(rep.Runs) > 1 {
		fmt.Fprintf(w, "\n%-5s %22s %22s %14s\n", "round", "p50 ms median [range]", "p99 ms median [range]", "req/s median")
		for _, s := range rep.Summary {
			fmt.Fprintf(w, "%-5s %6.1f [%5.1f–%5.1f]   %6.1f [%5.1f–%5.1f]   %14.0f\n",
				s.Round, s.P50Ms, s.P50MinMs, s.P50MaxMs, s.P99Ms, s.P99MinMs, s.P99MaxMs, s.ThroughputRPS)
		}
	}
	status := "ok"
	if !rep.OK {
		status = "FAILED"
	}
	fmt.Fprintf(w, "%s\n", status)
}

func rssText(kb int) string {
	if kb < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f MB", float64(kb)/1024)
}

// loadAverage is the 1, 5 and 15 minute load average ("" if unknown): the
// sandbox, the clients and the broker share the machine with whatever else
// runs, so figures are only comparable on a quiet machine.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}
