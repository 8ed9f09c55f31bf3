package credserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/tip-cli/tip-cli/internal/cred"
	"github.com/tip-cli/tip-cli/internal/loopback"
	"github.com/tip-cli/tip-cli/internal/session"
)

// Path is the one path the server answers.
const Path = "/credentials"

// defaultFetchTimeout bounds one refresh through the session manager.
const defaultFetchTimeout = 2 * time.Minute

// ProfilePath is the path of a profile's credentials on a server with
// several profiles (serve --profiles).
func ProfilePath(profile string) string { return Path + "/" + profile }

// Endpoint is one set of credentials the server answers at one path.
// Source and Fresh are required.
type Endpoint struct {
	Source Source
	// Fresh is the expiry policy (credproc.Policy.FreshCredentials):
	// credentials are served from memory while it holds.
	Fresh func(now time.Time, c *cred.Credentials) bool
	// Ahead, when set, refreshes in the background before Fresh lapses.
	Ahead *Ahead
	// Initial, when set, is served first (the credentials fetched before
	// the server started), so the first request does not wait.
	Initial *cred.Credentials
	// SignIn, when set, runs an interactive sign-in after the source
	// reported *session.LoginRequiredError; nil means the server cannot
	// sign in (no terminal, or --non-interactive).
	SignIn func(ctx context.Context) error
}

// Config configures a Server. Token and at least one endpoint are required.
type Config struct {
	// Token is the value clients send in Authorization (NewToken); one
	// token serves every endpoint.
	Token string
	// Endpoints maps a path (Path, ProfilePath) to what it serves.
	Endpoints map[string]Endpoint
	Now       func() time.Time
	// Sleep waits d or until ctx ends (the background refresh's timer);
	// nil means a real timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Log gets one line per request (status, reason, latency), never a
	// token or key; nil discards.
	Log *slog.Logger
	// Notice tells the user something they must act on (the sign-in is
	// gone), once per occurrence; nil discards.
	Notice       func(msg string)
	FetchTimeout time.Duration
}

// server is a container credentials endpoint.
type server struct {
	cfg       Config
	endpoints map[string]*endpoint
	host      string
}

// endpoint is the running state of one Endpoint.
type endpoint struct {
	Endpoint
	cache *cache
	rec   *recovery
}

// Listen checks that addr is a loopback host:port: the endpoint is plain
// HTTP, which the SDKs accept only to loopback, and it must never be
// reachable from another machine.
func Listen(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("invalid listen address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !loopback.IsHost(host) {
		return nil, fmt.Errorf("invalid listen address %q: must be a loopback IP address (127.0.0.1 or [::1])", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ln, nil
}

// URL is the AWS_CONTAINER_CREDENTIALS_FULL_URI for a server on ln.
func URL(ln net.Listener) string { return "http://" + ln.Addr().String() + Path }

// Serve answers requests on ln until ctx is done, then shuts down
// (in-flight requests get a few seconds) and closes ln.
func Serve(ctx context.Context, ln net.Listener, cfg Config) error {
	if cfg.Token == "" || len(cfg.Endpoints) == 0 {
		return errors.New("credential server: a token and an endpoint are required")
	}
	for path, e := range cfg.Endpoints {
		if e.Source == nil || e.Fresh == nil || (e.Ahead != nil && (e.Ahead.At == nil || e.Ahead.Refresh == nil)) {
			return fmt.Errorf("credential server: endpoint %s: source and expiry policy are required", path)
		}
	}
	s := newServer(ctx, ln.Addr().String(), cfg)
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	actx, stopAhead := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, e := range s.endpoints {
		if e.Ahead != nil {
			wg.Add(1)
			go func() {
				defer wg.Done()
				e.cache.ahead(actx, e.Ahead, s.cfg.Sleep, s.cfg.Log, e.rec.report)
			}()
		}
	}
	defer func() {
		stopAhead()
		wg.Wait()
	}()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("credential server: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	<-done
	return err
}

func newServer(ctx context.Context, host string, cfg Config) *server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Notice == nil {
		cfg.Notice = func(string) {}
	}
	if cfg.FetchTimeout <= 0 {
		cfg.FetchTimeout = defaultFetchTimeout
	}
	base := context.WithoutCancel(ctx)
	s := &server{cfg: cfg, host: host, endpoints: make(map[string]*endpoint, len(cfg.Endpoints))}
	for path, e := range cfg.Endpoints {
		s.endpoints[path] = &endpoint{
			Endpoint: e,
			cache:    &cache{source: e.Source, fresh: e.Fresh, now: cfg.Now, timeout: cfg.FetchTimeout, base: base, changed: make(chan struct{}), cur: e.Initial},
			rec:      &recovery{notice: cfg.Notice, signIn: e.SignIn, base: ctx},
		}
	}
	return s
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error { return session.Sleep(ctx, d) }
