// Command credserverload measures a running credential server (`tip-cli
// serve`): the warm path (C goroutines requesting as fast as they can for a
// bounded time and count) and the latency a client waits for at a refresh
// point (one poller, every 20 ms, until the access key changes N times:
// the request that got the new key and the slowest request of each point).
// scripts/credserver-bench.sh starts the sandbox and the server and runs it.
//
// Usage:
//
//	go run ./scripts/credserverload --url URL --token-file PATH [--concurrency 32]
//	    [--duration 5s] [--max-requests 200000] [--refreshes 3] [--timeout 2m]
//
// It exits 1 when a request fails, 2 on bad flags.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type options struct {
	url, tokenFile string
	concurrency    int
	duration       time.Duration
	maxRequests    int64
	refreshes      int
	timeout        time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.url, "url", "", "AWS_CONTAINER_CREDENTIALS_FULL_URI of the server")
	flag.StringVar(&o.tokenFile, "token-file", "", "file holding the authorization token")
	flag.IntVar(&o.concurrency, "concurrency", 32, "concurrent clients on the warm path")
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "length of the warm run")
	flag.Int64Var(&o.maxRequests, "max-requests", 200000, "bound on warm requests")
	flag.IntVar(&o.refreshes, "refreshes", 3, "refresh points to measure")
	flag.DurationVar(&o.timeout, "timeout", 2*time.Minute, "bound on the wait for each refresh point")
	flag.Parse()
	if o.url == "" || o.tokenFile == "" || o.concurrency < 1 {
		fmt.Fprintln(os.Stderr, "credserverload: --url and --token-file are required")
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "credserverload:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	tok, err := os.ReadFile(o.tokenFile)
	if err != nil {
		return err
	}
	c := &client{url: o.url, token: strings.TrimSpace(string(tok)),
		http: &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: o.concurrency}}}
	if _, _, err := c.get(); err != nil {
		return err
	}
	n, elapsed, lat, err := warm(c, o)
	if err != nil {
		return err
	}
	fmt.Printf("warm: %d requests, %d clients, %.1fs: %.0f req/s, p50 %s, p99 %s, max %s\n",
		n, o.concurrency, elapsed.Seconds(), float64(n)/elapsed.Seconds(), pct(lat, 50), pct(lat, 99), lat[len(lat)-1])
	var slowest, near time.Duration
	for i := 0; i < o.refreshes; i++ {
		r, err := refresh(c, o.timeout)
		if err != nil {
			return err
		}
		slowest, near = max(slowest, r.slowest), max(near, r.near)
		fmt.Printf("refresh %d: slowest request %s (%s before the new key), within 1 s of it %s; the one that got the new key took %s (polling p50 %s: %s added)\n",
			i+1, r.slowest, r.before.Round(time.Millisecond), r.near, r.got, r.p50, r.got-r.p50)
	}
	if o.refreshes > 0 {
		fmt.Printf("slowest request across %d refresh points: %s; within 1 s of a new key: %s\n", o.refreshes, slowest, near)
	}
	return nil
}

type client struct {
	url, token string
	http       *http.Client
}

// get fetches credentials once and returns the access key and latency.
func (c *client) get() (string, time.Duration, error) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, c.url, nil)
	if err != nil {
		return "", 0, err
	}
	req.Header.Set("Authorization", c.token)
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	took := time.Since(start)
	if err != nil {
		return "", 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return "", 0, fmt.Errorf("status %d: %s", resp.StatusCode, body)
	}
	var v struct{ AccessKeyId string }
	if err := json.Unmarshal(body, &v); err != nil || v.AccessKeyId == "" {
		return "", 0, errors.New("response without AccessKeyId")
	}
	return v.AccessKeyId, took, nil
}

// warm runs the bounded load and returns count, elapsed and sorted latencies.
func warm(c *client, o options) (int64, time.Duration, []time.Duration, error) {
	var count atomic.Int64
	var mu sync.Mutex
	var all []time.Duration
	var firstErr error
	deadline := time.Now().Add(o.duration)
	start := time.Now()
	var wg sync.WaitGroup
	for range o.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for time.Now().Before(deadline) && count.Add(1) <= o.maxRequests {
				_, took, err := c.get()
				if err != nil {
					mu.Lock()
					firstErr = errors.Join(firstErr, err)
					mu.Unlock()
					return
				}
				mine = append(mine, took)
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return 0, 0, nil, firstErr
	}
	slices.Sort(all)
	return int64(len(all)), elapsed, all, nil
}

// point is what one refresh point cost the poller.
type point struct {
	got     time.Duration // the request that brought the new key
	slowest time.Duration // the slowest request of the point, that one included
	before  time.Duration // how long before the new key the slowest one started
	near    time.Duration // the slowest request started within 1 s of the new key
	p50     time.Duration // polling median before the new key
}

// refresh polls until the key changes.
func refresh(c *client, timeout time.Duration) (point, error) {
	key, _, err := c.get()
	if err != nil {
		return point{}, err
	}
	var polls []time.Duration
	var starts []time.Time
	var slowest time.Duration
	var slowestAt time.Time
	for end := time.Now().Add(timeout); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		start := time.Now()
		k, took, err := c.get()
		if err != nil {
			return point{}, err
		}
		if took >= slowest {
			slowest, slowestAt = took, start
		}
		if k != key {
			// The window the refresh itself can touch: on a busy machine
			// a slow request seconds earlier is scheduling noise.
			near := took
			for i, at := range starts {
				if start.Sub(at) <= time.Second {
					near = max(near, polls[i])
				}
			}
			slices.Sort(polls)
			return point{got: took, slowest: slowest, before: start.Sub(slowestAt), near: near, p50: pct(polls, 50)}, nil
		}
		polls, starts = append(polls, took), append(starts, start)
	}
	return point{}, fmt.Errorf("the key did not change within %s", timeout)
}

func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	if i < 1 {
		i = 1
	}
	return sorted[i-1]
}
