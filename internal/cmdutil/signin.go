package cmdutil

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/url"

	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/cred"
	"github.com/tip-cli/tip-cli/internal/idp"
	"github.com/tip-cli/tip-cli/internal/signinflow"
)

// The interactive sign-in: which flow (signinflow.Choose over the flags,
// the sign-in's "flow" setting and the host) and what each flow tells the
// person on stderr.

// flowSetting is the flow asked for: --device, --flow, --no-browser (the
// browser flow without starting one), else the sign-in's setting.
func flowSetting(p *config.Profile, o SignInOptions) string {
	switch {
	case o.Device:
		return config.FlowDevice
	case o.Flow != "":
		return o.Flow
	case o.NoBrowser:
		return config.FlowBrowser
	}
	return p.SignInFlow()
}

// signIn returns the interactive sign-in for a profile. Everything it
// shows goes to stderr. The IdP client is built only when a sign-in
// actually runs, never on the cached path.
func (f *Factory) signIn(p *config.Profile, o SignInOptions) func(ctx context.Context) (*cred.Tokens, error) {
	return func(ctx context.Context) (*cred.Tokens, error) {
		c := f.IdPClient(p)
		host := signinflow.Host{Local: "assumed"}
		if f.SignInHost != nil {
			host = f.SignInHost(ctx)
		}
		ch := signinflow.Choose(flowSetting(p, o), host, func() bool { return c.DeviceOffered(ctx) })
		errOut := f.IOStreams.ErrOut
		if ch.Reason != "" && ch.Flow != config.FlowBrowser {
			fmt.Fprintf(errOut, "Signing in with the %s flow: %s.\n", ch.Flow, ch.Reason)
		}
		switch ch.Flow {
		case config.FlowDevice:
			return f.deviceSignIn(ctx, c, p, o, ch.Reason != "")
		case config.FlowPaste:
			return f.pasteSignIn(ctx, c, p, o, "")
		}
		if o.NoBrowser {
			return c.Login(ctx, idp.LoginOptions{Timeout: o.Timeout, OpenURL: func(_ context.Context, u string) error {
				fmt.Fprintf(errOut, "Open this URL in your browser to sign in:\n%s\n", u)
				return nil
			}})
		}
		switch {
		case ch.WSL:
			return f.pasteSignIn(ctx, c, p, o, "Opening the Windows browser to sign in.")
		case ch.AlsoPaste:
			return f.pasteSignIn(ctx, c, p, o, "Opening your browser to sign in.")
		}
		return c.Login(ctx, idp.LoginOptions{
			Timeout: o.Timeout,
			OpenURL: func(_ context.Context, u string) error {
				fmt.Fprintf(errOut, "Opening your browser to sign in. If it does not open, visit:\n%s\n", u)
				return nil
			},
			Browser: f.startBrowser,
		})
	}
}

// startBrowser starts the browser at the one-time start address; failing
// to is a warning (the URL is on stderr already).
func (f *Factory) startBrowser(ctx context.Context, startURL string) error {
	errOut := f.IOStreams.ErrOut
	if err := f.Browser(ctx, startURL); err != nil {
		fmt.Fprintf(errOut, "warning: could not open a browser: %v\n", err)
	}
	if f.IOStreams.IsStderrTTY() {
		fmt.Fprintf(errOut, "Waiting for the browser sign-in (Ctrl-C to cancel)…\n")
	}
	return nil
}

// deviceSignIn runs the device flow; hint adds how to get the browser
// sign-in instead when auto chose the device flow.
func (f *Factory) deviceSignIn(ctx context.Context, c *idp.Client, p *config.Profile, o SignInOptions, hint bool) (*cred.Tokens, error) {
	errOut := f.IOStreams.ErrOut
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	return c.LoginDevice(ctx, idp.DeviceOptions{Show: func(uri, code, complete string) {
		fmt.Fprintf(errOut, "To sign in, open %s and enter the code %s\n", uri, code)
		if complete != "" {
			fmt.Fprintf(errOut, "Or open %s\n", complete)
		}
		if port := redirectPort(p); port != "" && hint {
			fmt.Fprintf(errOut, "(For the browser sign-in instead, forward the callback port — %s — "+
				"and run `tip-cli auth --flow paste`.)\n", sshForward(p))
		}
	}})
}

// pasteSignIn runs the paste flow: the authorization URL on stderr, the
// redirected URL pasted back on the terminal, the loopback listener
// listening all along. With launch set (WSL, a container with a display) a
// browser is also started at
// the one-time start address, and a paste is the fallback.
func (f *Factory) pasteSignIn(ctx context.Context, c *idp.Client, p *config.Profile, o SignInOptions, launch string) (*cred.Tokens, error) {
	errOut := f.IOStreams.ErrOut
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pasted, done := f.pasteLines(ctx, o.StdinForChild)
	defer done()
	port := redirectPort(p)
	opts := idp.LoginOptions{Timeout: o.Timeout, Pasted: pasted, OpenURL: func(_ context.Context, u string) error {
		if launch != "" {
			fmt.Fprintf(errOut, "%s If it cannot reach localhost, open this URL in any browser and sign in:\n%s\n", launch, u)
		} else {
			fmt.Fprintf(errOut, "Open this URL in a browser on any machine and sign in:\n%s\n", u)
		}
		fmt.Fprintf(errOut, "The browser then fails to load %s?…: copy that whole address from its address bar and paste it here.\n", p.Redirect())
		if launch == "" && port != "" {
			fmt.Fprintf(errOut, "(Or forward the port first — %s — and the sign-in completes by itself.)\n", sshForward(p))
		}
		if pasted == nil {
			fmt.Fprintf(errOut, "No terminal to paste into: waiting for the redirect on port %s.\n", port)
		}
		return nil
	}}
	if launch != "" {
		opts.Browser = f.startBrowser
	}
	return c.Login(ctx, opts)
}

// pasteLines reads lines from the paste input until ctx ends or the input
// does; nil when there is no input. done closes the input, which ends a
// read in progress on a terminal opened for the purpose.
func (f *Factory) pasteLines(ctx context.Context, terminalOnly bool) (<-chan string, func()) {
	var in io.ReadCloser
	if f.PasteInput != nil {
		var err error
		if in, err = f.PasteInput(terminalOnly); err != nil {
			return nil, func() {}
		}
	} else if f.IOStreams.In != nil && !terminalOnly {
		in = io.NopCloser(f.IOStreams.In)
	} else {
		return nil, func() {}
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 0, 4096), 64<<10)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	return lines, func() { _ = in.Close() }
}

// sshForward is the ssh command forwarding p's callback port from the
// person's machine to this one.
func sshForward(p *config.Profile) string {
	u, err := url.Parse(p.Redirect())
	if err != nil {
		return ""
	}
	return fmt.Sprintf("ssh -L %s:%s:%s <this host>", u.Port(), u.Hostname(), u.Port())
}

// redirectPort is the callback port of p's redirect URI ("" if none).
func redirectPort(p *config.Profile) string {
	u, err := url.Parse(p.Redirect())
	if err != nil {
		return ""
	}
	return u.Port()
}
