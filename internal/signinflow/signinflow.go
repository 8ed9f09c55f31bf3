// Package signinflow decides how an interactive sign-in reaches the
// person: a browser on this machine, the device flow (RFC 8628), or the
// paste flow (the person signs in on any machine and pastes the redirected
// URL back). The "auto" setting looks at where tip-cli runs: a set
// $BROWSER, an SSH session, a container, WSL, a Linux machine without a
// display. Everything it reads (environment, files, PATH) is injected, so
// the decision is a table test; it never touches the network: whether the
// IdP offers the device flow is the caller's answer from discovery.
package signinflow

import (
	"bytes"
	"strings"

	"github.com/tip-cli/tip-cli/internal/config"
)

// Env is what the detection reads.
type Env struct {
	Getenv func(string) string
	GOOS   string
	// ReadFile reads a small file (/proc/version, the WSL config); an
	// error counts as absent.
	ReadFile func(name string) ([]byte, error)
	// Exists reports whether a path exists (/.dockerenv, …).
	Exists func(name string) bool
	// WSLConfig returns the Windows user's .wslconfig (an error: unknown,
	// and the WSL defaults apply); nil when not on WSL.
	WSLConfig func() ([]byte, error)
}

// Host is what the detection found.
type Host struct {
	// Local is why a browser on this machine can be used ("" if none).
	Local string
	// Remote is why the person is probably not at this machine ("" if not).
	Remote string
	// WSL is set on the Windows Subsystem for Linux: a browser is started
	// on Windows.
	WSL bool
	// AlsoPaste is set where a browser may well not reach the loopback
	// callback (WSL, a container with a display): the browser flow then
	// also accepts a pasted redirect.
	AlsoPaste bool
	// NoForwarding is set on WSL 2 with localhostForwarding=false: the
	// Windows browser cannot reach the loopback callback.
	NoForwarding bool
}

// Detect looks at the environment. Order matters: a set $BROWSER is the
// person's own choice (VS Code's remote terminals set one that opens the
// local browser through a forwarded port); an SSH session beats WSL and a
// display (an X-forwarded browser on a remote host is rarely what anyone
// wants).
func Detect(e Env) Host {
	get := func(k string) string { return strings.TrimSpace(e.Getenv(k)) }
	if get("BROWSER") != "" {
		return Host{Local: "$BROWSER is set"}
	}
	for _, k := range []string{"SSH_CONNECTION", "SSH_TTY", "SSH_CLIENT"} {
		if get(k) != "" {
			return Host{Remote: "an SSH session (" + k + " is set)"}
		}
	}
	// WSL_DISTRO_NAME is set by WSL's init for a distribution's processes,
	// not inside containers; a container on Docker Desktop shares the
	// Microsoft kernel (/proc/version) but cannot start Windows programs.
	wslEnv := e.GOOS == "linux" && get("WSL_DISTRO_NAME") != ""
	if !wslEnv {
		if why := container(e, get); why != "" {
			if hasDisplay(get) {
				// Toolbox, distrobox: a desktop's container, its browser
				// usually works; the paste covers the other cases.
				return Host{Local: "a container with a display (" + why + ")", AlsoPaste: true}
			}
			return Host{Remote: "a container (" + why + ")"}
		}
	}
	if wslEnv || (e.GOOS == "linux" && isWSL(e)) {
		return wslHost(e)
	}
	switch e.GOOS {
	case "darwin", "windows":
		return Host{Local: "a desktop (" + e.GOOS + ")"}
	}
	if !hasDisplay(get) {
		return Host{Remote: "no display (DISPLAY and WAYLAND_DISPLAY are unset)"}
	}
	return Host{Local: "a display"}
}

func hasDisplay(get func(string) string) bool {
	return get("DISPLAY") != "" || get("WAYLAND_DISPLAY") != ""
}

// container names the first container marker found, "" when none.
func container(e Env, get func(string) string) string {
	for _, k := range []string{"container", "KUBERNETES_SERVICE_HOST", "REMOTE_CONTAINERS", "CODESPACES"} {
		if get(k) != "" {
			return k + " is set"
		}
	}
	if e.Exists == nil {
		return ""
	}
	for _, f := range []string{"/.dockerenv", "/run/.containerenv"} {
		if e.Exists(f) {
			return f + " exists"
		}
	}
	return ""
}

// isWSL: /proc/version names a Microsoft kernel also where
// WSL_DISTRO_NAME was dropped (sudo, env -i).
func isWSL(e Env) bool {
	return bytes.Contains(bytes.ToLower(procVersion(e)), []byte("microsoft"))
}

// wslHost is a WSL machine: the Windows browser, unless WSL 2's localhost
// forwarding is off.
func wslHost(e Env) Host {
	h := Host{WSL: true, AlsoPaste: true, Local: "WSL: the Windows browser"}
	if e.WSLConfig != nil && wsl2(e) {
		if b, err := e.WSLConfig(); err == nil && !localhostForwarding(b) {
			h.NoForwarding = true
			h.Local = ""
			h.Remote = "WSL 2 with localhostForwarding=false in .wslconfig (the Windows browser cannot reach this machine's localhost)"
		}
	}
	return h
}

// wsl2 tells WSL 2 (its own network, localhost forwarded from Windows)
// from WSL 1 (Windows' network stack: localhost is shared).
func wsl2(e Env) bool {
	v := procVersion(e)
	return bytes.Contains(v, []byte("WSL2")) || !bytes.Contains(v, []byte("Microsoft"))
}

func procVersion(e Env) []byte {
	if e.ReadFile == nil {
		return nil
	}
	b, _ := e.ReadFile("/proc/version")
	return b
}

// localhostForwarding reads a .wslconfig: [wsl2] localhostForwarding
// (default true); networkingMode=mirrored shares localhost whatever it
// says.
func localhostForwarding(b []byte) bool {
	section, forwarding, mirrored := "", true, false
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if i := strings.IndexAny(line, "#;"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = strings.ToLower(strings.TrimSpace(line[1 : len(line)-1]))
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || section != "wsl2" {
			continue
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.ToLower(strings.TrimSpace(v))
		switch k {
		case "localhostforwarding":
			forwarding = v != "false"
		case "networkingmode":
			mirrored = v == "mirrored"
		}
	}
	return forwarding || mirrored
}

// Choice is the flow a sign-in uses and why.
type Choice struct {
	// Flow is config.FlowBrowser, FlowDevice or FlowPaste (never auto).
	Flow string
	// Reason says why, for the person ("" when the setting asked for it).
	Reason string
	// WSL is set when the browser is started on Windows.
	WSL bool
	// AlsoPaste: the browser flow also accepts a pasted redirect.
	AlsoPaste bool
}

// Choose turns a flow setting (config.Flow*, "" = auto) into the flow to
// run. deviceOffered reports whether the IdP's discovery document has a
// device_authorization_endpoint; it is consulted only when auto finds no
// local browser.
func Choose(setting string, h Host, deviceOffered func() bool) Choice {
	switch setting {
	case config.FlowBrowser, config.FlowDevice, config.FlowPaste:
		return Choice{Flow: setting, WSL: h.WSL, AlsoPaste: h.AlsoPaste}
	}
	if h.Local != "" {
		return Choice{Flow: config.FlowBrowser, Reason: h.Local, WSL: h.WSL, AlsoPaste: h.AlsoPaste}
	}
	if h.NoForwarding {
		// The person is at this machine, only the callback is out of reach.
		return Choice{Flow: config.FlowPaste, Reason: h.Remote}
	}
	if deviceOffered() {
		return Choice{Flow: config.FlowDevice, Reason: h.Remote + "; the identity provider offers the device flow"}
	}
	return Choice{Flow: config.FlowPaste, Reason: h.Remote + "; the identity provider offers no device flow"}
}
