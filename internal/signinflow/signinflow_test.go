package signinflow

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/tip-cli/tip-cli/internal/config"
)

const (
	wsl2Version = "Linux version 5.15.167.4-microsoft-standard-WSL2 (root@f9c826d3017f) (gcc (GCC) 11.2.0) #1 SMP"
	wsl1Version = "Linux version 4.4.0-19041-Microsoft (Microsoft@Microsoft.com) (gcc version 5.4.0 (GCC) ) #1237-Microsoft"
	noForward   = "[wsl2]\nmemory=8GB\nlocalhostForwarding = false # off\n"
)

// host is one machine of the table: its environment, files and .wslconfig.
type host struct {
	goos      string
	env       map[string]string
	files     map[string]string // path → content; present = exists
	wslconfig string            // "" = none (an error)
}

func (h host) env0() Env {
	return Env{
		Getenv: func(k string) string { return h.env[k] },
		GOOS:   h.goos,
		ReadFile: func(name string) ([]byte, error) {
			if c, ok := h.files[name]; ok {
				return []byte(c), nil
			}
			return nil, os.ErrNotExist
		},
		Exists: func(name string) bool { _, ok := h.files[name]; return ok },
		WSLConfig: func() ([]byte, error) {
			if h.wslconfig == "" {
				return nil, os.ErrNotExist
			}
			return []byte(h.wslconfig), nil
		},
	}
}

func TestChoose(t *testing.T) {
	t.Parallel()
	desktop := host{goos: "linux", env: map[string]string{"DISPLAY": ":0"}}
	tests := []struct {
		name    string
		h       host
		setting string
		device  bool
		want    string // flow
		why     string // in the reason
		wsl     bool
	}{
		{"linux desktop", desktop, "", true, config.FlowBrowser, "a display", false},
		{"wayland", host{goos: "linux", env: map[string]string{"WAYLAND_DISPLAY": "wayland-0"}}, "auto", false, config.FlowBrowser, "a display", false},
		{"macOS", host{goos: "darwin"}, "", true, config.FlowBrowser, "darwin", false},
		{"windows", host{goos: "windows"}, "", false, config.FlowBrowser, "windows", false},
		{"linux without display, device offered", host{goos: "linux"}, "", true, config.FlowDevice, "no display", false},
		{"linux without display, no device flow", host{goos: "linux"}, "", false, config.FlowPaste, "no display", false},
		{"ssh with X forwarding", host{goos: "linux", env: map[string]string{"DISPLAY": "localhost:10.0", "SSH_CONNECTION": "10.0.0.1 5 10.0.0.2 22"}}, "", false, config.FlowPaste, "SSH_CONNECTION", false},
		{"ssh tty only, device", host{goos: "linux", env: map[string]string{"SSH_TTY": "/dev/pts/3"}}, "", true, config.FlowDevice, "SSH_TTY", false},
		{"ssh into a mac", host{goos: "darwin", env: map[string]string{"SSH_CLIENT": "10.0.0.1 5 22"}}, "", false, config.FlowPaste, "SSH_CLIENT", false},
		{"$BROWSER over ssh (VS Code remote)", host{goos: "linux", env: map[string]string{"BROWSER": "/vscode/helpers/browser.sh", "SSH_CONNECTION": "x"}}, "", false, config.FlowBrowser, "$BROWSER", false},
		{"docker with a display", host{goos: "linux", env: map[string]string{"DISPLAY": ":0"}, files: map[string]string{"/.dockerenv": ""}}, "", false, config.FlowBrowser, "a container with a display (/.dockerenv", false},
		{"docker without a display", host{goos: "linux", files: map[string]string{"/.dockerenv": ""}}, "", false, config.FlowPaste, "/.dockerenv", false},
		{"podman", host{goos: "linux", files: map[string]string{"/run/.containerenv": ""}}, "", true, config.FlowDevice, "/run/.containerenv", false},
		{"devcontainer", host{goos: "linux", env: map[string]string{"REMOTE_CONTAINERS": "true"}}, "", false, config.FlowPaste, "REMOTE_CONTAINERS", false},
		{"toolbox", host{goos: "linux", env: map[string]string{"container": "oci", "WAYLAND_DISPLAY": "wayland-0"}}, "", false, config.FlowBrowser, "container is set", false},
		{"kubernetes (notebook pod)", host{goos: "linux", env: map[string]string{"KUBERNETES_SERVICE_HOST": "10.96.0.1"}}, "", true, config.FlowDevice, "KUBERNETES_SERVICE_HOST", false},
		{"WSL 2", host{goos: "linux", env: map[string]string{"WSL_DISTRO_NAME": "Ubuntu"}, files: map[string]string{"/proc/version": wsl2Version}}, "", true, config.FlowBrowser, "Windows browser", true},
		{"WSL by /proc/version only", host{goos: "linux", files: map[string]string{"/proc/version": wsl2Version}}, "", true, config.FlowBrowser, "Windows browser", true},
		{"WSL 2 forwarding off", host{goos: "linux", env: map[string]string{"WSL_DISTRO_NAME": "Ubuntu"}, files: map[string]string{"/proc/version": wsl2Version}, wslconfig: noForward}, "", true, config.FlowPaste, "localhostForwarding=false", false},
		{"WSL 2 forwarding off but mirrored", host{goos: "linux", env: map[string]string{"WSL_DISTRO_NAME": "Ubuntu"}, files: map[string]string{"/proc/version": wsl2Version}, wslconfig: noForward + "networkingMode=mirrored\n"}, "", true, config.FlowBrowser, "Windows browser", true},
		{"WSL 2 forwarding off in another section", host{goos: "linux", env: map[string]string{"WSL_DISTRO_NAME": "Ubuntu"}, files: map[string]string{"/proc/version": wsl2Version}, wslconfig: "[experimental]\nlocalhostForwarding=false\n"}, "", true, config.FlowBrowser, "Windows browser", true},
		{"WSL 1 ignores .wslconfig", host{goos: "linux", env: map[string]string{"WSL_DISTRO_NAME": "Ubuntu"}, files: map[string]string{"/proc/version": wsl1Version}, wslconfig: noForward}, "", true, config.FlowBrowser, "Windows browser", true},
		{"WSL distribution whose files look like a container", host{goos: "linux", env: map[string]string{"WSL_DISTRO_NAME": "Ubuntu"}, files: map[string]string{"/.dockerenv": "", "/proc/version": wsl2Version}}, "", true, config.FlowBrowser, "Windows browser", true},
		{"container on Docker Desktop (Microsoft kernel)", host{goos: "linux", files: map[string]string{"/.dockerenv": "", "/proc/version": wsl2Version}}, "", false, config.FlowPaste, "/.dockerenv", false},
		{"ssh into WSL", host{goos: "linux", env: map[string]string{"WSL_DISTRO_NAME": "Ubuntu", "SSH_CONNECTION": "x"}}, "", true, config.FlowDevice, "SSH", false},
		{"setting browser on ssh", host{goos: "linux", env: map[string]string{"SSH_TTY": "x"}}, config.FlowBrowser, true, config.FlowBrowser, "", false},
		{"setting paste on a desktop", desktop, config.FlowPaste, true, config.FlowPaste, "", false},
		{"setting device on a desktop", desktop, config.FlowDevice, false, config.FlowDevice, "", false},
		{"setting browser on WSL", host{goos: "linux", env: map[string]string{"WSL_DISTRO_NAME": "Ubuntu"}}, config.FlowBrowser, false, config.FlowBrowser, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			asked := false
			got := Choose(tt.setting, Detect(tt.h.env0()), func() bool { asked = true; return tt.device })
			if got.Flow != tt.want || got.WSL != tt.wsl || !strings.Contains(got.Reason, tt.why) {
				t.Errorf("Choose = %+v, want flow %s (WSL %v) because of %q", got, tt.want, tt.wsl, tt.why)
			}
			if asked != (got.Flow != config.FlowBrowser && tt.setting == "" && !strings.Contains(got.Reason, "localhostForwarding")) {
				t.Errorf("discovery consulted = %v for %+v: only auto without a local browser needs it", asked, got)
			}
		})
	}
}

// TestAlsoPaste: where a browser may not reach the callback (WSL, a
// container with a display) the browser flow also takes a paste; on a
// plain desktop it does not.
func TestAlsoPaste(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		h    host
		want bool
	}{
		{host{goos: "linux", env: map[string]string{"DISPLAY": ":0"}}, false},
		{host{goos: "darwin"}, false},
		{host{goos: "linux", env: map[string]string{"WSL_DISTRO_NAME": "Ubuntu"}}, true},
		{host{goos: "linux", env: map[string]string{"DISPLAY": ":0"}, files: map[string]string{"/run/.containerenv": ""}}, true},
	} {
		if got := Choose("", Detect(tt.h.env0()), func() bool { return false }); got.AlsoPaste != tt.want || got.Flow != config.FlowBrowser {
			t.Errorf("%+v: Choose = %+v, want browser with AlsoPaste %v", tt.h, got, tt.want)
		}
	}
}

func TestWSLConfig(t *testing.T) {
	t.Parallel()
	var ran []string
	run := func(_ context.Context, name string, args ...string) ([]byte, error) {
		ran = append(ran, name+" "+strings.Join(args, " "))
		switch name {
		case "cmd.exe":
			return []byte("C:\\Users\\Alice\r\n"), nil
		case "wslpath":
			if args[1] != `C:\Users\Alice` {
				return nil, errors.New("unexpected path " + args[1])
			}
			return []byte("/mnt/c/Users/Alice\n"), nil
		}
		return nil, errors.New("unexpected " + name)
	}
	b, err := WSLConfig(context.Background(), run, func(p string) ([]byte, error) {
		if p != "/mnt/c/Users/Alice/.wslconfig" {
			return nil, os.ErrNotExist
		}
		return []byte(noForward), nil
	})
	if err != nil || string(b) != noForward {
		t.Fatalf("WSLConfig = %q, %v (ran %q)", b, err, ran)
	}
	if _, err := WSLConfig(context.Background(), func(context.Context, string, ...string) ([]byte, error) {
		return []byte("%USERPROFILE%\r\n"), nil
	}, nil); err == nil {
		t.Error("an unexpanded USERPROFILE variable was taken for a directory")
	}
}

// TestWSLLaunchers: every launcher gets the start address as one argument,
// and PowerShell's quoting survives a quote.
func TestWSLLaunchers(t *testing.T) {
	t.Parallel()
	const u = "http://localhost:8090/tip-cli-start/abc_-XYZ"
	for _, argv := range WSLLaunchers(u) {
		if last := argv[len(argv)-1]; last != u && last != "Start-Process '"+u+"'" {
			t.Errorf("%s: last argument %q", argv[0], last)
		}
	}
	if got := WSLLaunchers("http://x/'a")[2]; got[len(got)-1] != "Start-Process 'http://x/''a'" {
		t.Errorf("powershell quoting: %q", got)
	}
}
