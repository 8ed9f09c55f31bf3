package serve

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/credserver"
	"github.com/tip-cli/tip-cli/internal/session"
)

func (o *Options) agent() bool { return o.AllProfiles || len(o.Profiles) > 0 }

// validateAgent checks the agent flags locally, before any I/O.
func (o *Options) validateAgent() error {
	switch {
	case !o.agent():
		return nil
	case o.AllProfiles && len(o.Profiles) > 0:
		return cmdutil.FlagErrorf("--profiles and --all-profiles cannot be combined")
	case o.Source.S3AG != "":
		return cmdutil.FlagErrorf("--s3ag serves one profile: drop --profiles / --all-profiles")
	}
	for _, name := range o.Profiles {
		if name == "" {
			return cmdutil.FlagErrorf("--profiles: empty profile name")
		}
	}
	return nil
}

// runAgent serves several profiles on one address with one token, both
// kept from the previous run (credserver.LoadAgent) unless --listen is
// given, and recorded in the config directory.
func runAgent(ctx context.Context, opts *Options, log *slog.Logger) error {
	f := opts.F
	names, err := agentProfiles(f, opts)
	if err != nil {
		return err
	}
	dir, err := f.ConfigDir()
	if err != nil {
		return err
	}
	prev, token, err := credserver.LoadAgent(dir)
	if err != nil {
		return err
	}
	listen := opts.Listen
	if !opts.ListenSet && prev.Listen != "" {
		listen = prev.Listen
	}
	ln, err := credserver.Listen(listen)
	if err != nil {
		if !opts.ListenSet && prev.Listen != "" {
			return fmt.Errorf("%w (the address of the last agent, pid %d, in %s; pass --listen to choose another)", err, prev.PID, filepath.Join(dir, credserver.AgentFile))
		}
		return &cmdutil.FlagError{Err: err}
	}
	defer ln.Close()
	if token == "" {
		if token, err = credserver.NewToken(rand.Reader); err != nil {
			return err
		}
	}
	so := opts.SignIn
	// Started without a terminal (a user service), no browser opens.
	so.NonInteractive = so.NonInteractive || !f.IOStreams.IsStderrTTY()
	endpoints := map[string]credserver.Endpoint{}
	state := credserver.Agent{Listen: ln.Addr().String(), TokenFile: filepath.Join(dir, credserver.AgentTokenFile),
		PID: os.Getpid(), URLs: map[string]string{}}
	regions := map[string]string{}
	for _, name := range names {
		pf := *f
		pf.ProfileName = name
		p, e, err := pf.CredentialEndpoint(ctx, &opts.Source, so)
		var lre *session.LoginRequiredError
		if errors.As(err, &lre) {
			fmt.Fprintf(f.IOStreams.ErrOut, "tip-cli: profile %s: %v; its endpoint answers NotSignedIn until then\n", name, err)
		} else if err != nil {
			return fmt.Errorf("profile %s: %w", name, err)
		}
		path := credserver.ProfilePath(name)
		endpoints[path] = e
		state.URLs[name] = "http://" + state.Listen + credserver.ProfilePath(url.PathEscape(name))
		regions[name] = p.Region
	}
	if err := state.Save(dir, token); err != nil {
		return err
	}
	chosen := names[0]
	if slices.Contains(names, f.ProfileName) {
		chosen = f.ProfileName
	}
	log.Info("serving credentials", "profiles", len(names), "url", state.URLs[chosen], "record", filepath.Join(dir, credserver.AgentFile))
	cfg := f.ServerConfig(token, endpoints, log)
	return serveWithExports(ctx, opts, ln, cfg, state.URLs[chosen], regions[chosen], log)
}

// agentProfiles resolves --profiles (each must exist) or --all-profiles.
func agentProfiles(f *cmdutil.Factory, opts *Options) ([]string, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	if opts.AllProfiles {
		names := cfg.Names()
		if len(names) == 0 {
			return nil, &config.NotConfiguredError{Profile: f.ProfileName}
		}
		return names, nil
	}
	var names []string
	for _, name := range opts.Profiles {
		if _, err := cfg.Profile(name); err != nil {
			return nil, err
		}
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	return names, nil
}
