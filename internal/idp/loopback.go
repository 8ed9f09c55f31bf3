package idp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"syscall"

	"github.com/tip-cli/tip-cli/internal/loopback"
)

// wsaeAddrInUse is Windows' WSAEADDRINUSE, which syscall.EADDRINUSE does not match.
const wsaeAddrInUse = 10048

// parseRedirect checks that raw is a loopback redirect URI (RFC 8252 §7.3):
// http, host localhost or a loopback IP literal, an explicit port.
func parseRedirect(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("redirect uri %q is not a URL: %w", raw, err)
	}
	if u.Scheme != "http" || u.User != nil || u.Fragment != "" {
		return nil, fmt.Errorf("redirect uri %q must look like http://localhost:PORT/path", raw)
	}
	if !loopback.IsHost(u.Hostname()) {
		return nil, fmt.Errorf("redirect uri %q must use localhost, 127.0.0.1 or [::1]: tip-cli only listens on loopback", raw)
	}
	if p, err := strconv.Atoi(u.Port()); err != nil || p < 0 || p > 65535 {
		return nil, fmt.Errorf("redirect uri %q must name a port, e.g. http://localhost:8090/callback", raw)
	}
	return u, nil
}

// callbackPath is the path the loopback server answers on.
func callbackPath(u *url.URL) string {
	if u.Path == "" {
		return "/"
	}
	return u.Path
}

// listenLoopback binds the redirect URI's port before the browser is sent
// anywhere. For localhost it binds 127.0.0.1 and, when the machine has IPv6
// loopback, [::1] on the same port (browsers resolve localhost to either);
// for an IP literal only that address. Nothing else (never 0.0.0.0). On
// Unix the Go runtime sets SO_REUSEADDR on listeners, so a port whose last
// connections are in TIME_WAIT can be bound again at once. It returns the
// listeners and the redirect URI to send, with port 0 replaced by the port
// actually bound.
func listenLoopback(ctx context.Context, u *url.URL) ([]net.Listener, *url.URL, error) {
	var lc net.ListenConfig
	host, port := u.Hostname(), u.Port()
	if !strings.EqualFold(host, "localhost") {
		network := "tcp6"
		if net.ParseIP(host).To4() != nil {
			network = "tcp4"
		}
		l, err := lc.Listen(ctx, network, net.JoinHostPort(host, port))
		if err != nil {
			return nil, nil, listenError(port, net.JoinHostPort(host, port), err)
		}
		return []net.Listener{l}, withPort(u, l), nil
	}
	l4, err := lc.Listen(ctx, "tcp4", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		return nil, nil, listenError(port, net.JoinHostPort("127.0.0.1", port), err)
	}
	bound := strconv.Itoa(l4.Addr().(*net.TCPAddr).Port)
	l6, err := lc.Listen(ctx, "tcp6", net.JoinHostPort("::1", bound))
	switch {
	case err == nil:
		return []net.Listener{l4, l6}, withPort(u, l4), nil
	case isAddrInUse(err):
		// Another program answers on [::1]:PORT; a browser preferring
		// IPv6 would deliver the sign-in there.
		_ = l4.Close()
		return nil, nil, listenError(bound, net.JoinHostPort("::1", bound), err)
	default:
		// No IPv6 loopback on this machine: 127.0.0.1 alone serves localhost.
		return []net.Listener{l4}, withPort(u, l4), nil
	}
}

// withPort returns u with port 0 replaced by the port l is bound to; any
// other u is returned unchanged (it must match the registration exactly).
func withPort(u *url.URL, l net.Listener) *url.URL {
	if u.Port() != "0" {
		return u
	}
	v := *u
	v.Host = net.JoinHostPort(u.Hostname(), strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
	return &v
}

func listenError(port, addr string, err error) error {
	if isAddrInUse(err) {
		return fmt.Errorf("port %s is in use (is another sign-in still running?): close the other program "+
			"or set redirect_uri to another port registered with the identity provider: %w", port, err)
	}
	return fmt.Errorf("listen for the sign-in callback on %s: %w", addr, err)
}

func isAddrInUse(err error) bool {
	var errno syscall.Errno
	return errors.Is(err, syscall.EADDRINUSE) || (errors.As(err, &errno) && errno == wsaeAddrInUse)
}
