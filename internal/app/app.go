// Package app is tip-cli's entry point: it builds the Factory, runs the
// cobra tree under a signal-aware context (a second signal ends tip-cli), and is the one place where
// errors become messages on stderr and exit codes.
package app

import (
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/tip-cli/tip-cli/internal/cmd/root"
	"github.com/tip-cli/tip-cli/internal/cmdbase"
	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/iostreams"
	"github.com/tip-cli/tip-cli/internal/session"
)

// BuildInfo is stamped into the binary at build time.
type BuildInfo = root.BuildInfo

// Main runs tip-cli with the process's arguments and streams and returns
// the exit code.
func Main(info BuildInfo) int {
	ios := iostreams.System()
	f, storeStats := newFactory(ios)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	in := &interrupts{errOut: ios.ErrOut, exit: os.Exit}
	ctx, stop := in.watch(context.Background(), sigs)
	defer stop()
	f.ForwardSignals = in.forward
	code := Run(ctx, f, info, os.Args[1:])
	if st, ok := storeStats(); ok {
		// The store's own count, e.g. 1 keyring read on the warm path;
		// CI and scripts/bench.sh read this line.
		f.Logger().Debug("store activity", "backend", st.backend, "keyring_reads", st.KeyringReads,
			"keyring_writes", st.KeyringWrites, "keyring_deletes", st.KeyringDeletes,
			"file_reads", st.FileReads, "decryptions", st.Decryptions, "cache_hits", st.CacheHits)
	}
	return code
}

// Run executes one command line with f and returns the exit code.
func Run(ctx context.Context, f *cmdutil.Factory, info BuildInfo, args []string) int {
	cmd := root.NewCmdRoot(f, info)
	cmd.SetArgs(args)
	cmd.SetIn(f.IOStreams.In)
	cmd.SetOut(f.IOStreams.Out)
	cmd.SetErr(f.IOStreams.ErrOut)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return cmdutil.ExitOK
	}
	return report(f.IOStreams.ErrOut, "tip-cli", err, ctx.Err() != nil)
}

// report prints err as one line "prog: message" on w (stderr) and returns
// its exit code; "not signed in" exits with ExitAuth.
func report(w io.Writer, prog string, err error, cancelled bool) int {
	return cmdbase.Report(w, prog, err, cancelled, func(err error) int {
		var loginErr *session.LoginRequiredError
		if errors.As(err, &loginErr) {
			return cmdutil.ExitAuth
		}
		return 0
	})
}
