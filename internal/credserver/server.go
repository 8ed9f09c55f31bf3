package credserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/tip-cli/tip-cli/internal/cred"
	"github.com/tip-cli/tip-cli/internal/loopback"
)

// Path is the one path the server answers.
const Path = "/credentials"

// DefaultFetchTimeout bounds one refresh through the session manager.
const DefaultFetchTimeout = 2 * time.Minute

// Config configures a Server. Source, Fresh and Token are required.
type Config struct {
	// Token is the value clients send in Authorization (NewToken).
	Token  string
	Source Source
	// Fresh is the expiry policy (credproc.Policy.FreshCredentials):
	// credentials are served from memory while it holds.
	Fresh func(now time.Time, c *cred.Credentials) bool
	Now   func() time.Time
	// Log gets one line per request (status, reason, latency), never a
	// token or key; nil discards.
	Log *slog.Logger
	// Notice tells the user something they must act on (the sign-in is
	// gone), once per occurrence; nil discards.
	Notice func(msg string)
	// SignIn, when set, runs an interactive sign-in after the source
	// reported *session.LoginRequiredError; nil means the server cannot
	// sign in (no terminal, or --non-interactive).
	SignIn       func(ctx context.Context) error
	FetchTimeout time.Duration
}

// Server is a container credentials endpoint.
type Server struct {
	cfg   Config
	cache *cache
	rec   *recovery
	host  string
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
	if cfg.Token == "" || cfg.Source == nil || cfg.Fresh == nil {
		return errors.New("credential server: token, source and expiry policy are required")
	}
	s := newServer(ctx, ln.Addr().String(), cfg)
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
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

func newServer(ctx context.Context, host string, cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Notice == nil {
		cfg.Notice = func(string) {}
	}
	if cfg.FetchTimeout <= 0 {
		cfg.FetchTimeout = DefaultFetchTimeout
	}
	base := context.WithoutCancel(ctx)
	return &Server{
		cfg:   cfg,
		host:  host,
		cache: &cache{source: cfg.Source, fresh: cfg.Fresh, now: cfg.Now, timeout: cfg.FetchTimeout, base: base},
		rec:   &recovery{notice: cfg.Notice, signIn: cfg.SignIn, base: ctx},
	}
}
