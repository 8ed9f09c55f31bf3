package cmd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/awsid"
	"github.com/tip-cli/tip-cli/internal/broker/callerauth"
	"github.com/tip-cli/tip-cli/internal/broker/registry"
	"github.com/tip-cli/tip-cli/internal/broker/server"
	"github.com/tip-cli/tip-cli/internal/cmdbase"
	"github.com/tip-cli/tip-cli/internal/loopback"
)

type serveOptions struct {
	serviceFlags
	listen, tlsCert, tlsKey string
	brokerID, region        string
	stsEndpoints            []string
	store, db, table        string
	createTable             bool
	sourceRate              float64
	sourceBurst             int
	allowAccounts           []string
	allowRoles              []string
	allowAnyAccount         bool
}

func newCmdServe(d *Deps) *cobra.Command {
	o := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the broker as a standalone HTTPS server",
		Long: `Run the broker as a standalone HTTPS server.

Callers prove their IAM role with a presigned sts:GetCallerIdentity request
bound to this broker by --broker-id (the scheme of Vault's AWS auth and
aws-iam-authenticator); the broker forwards it only to the --sts-endpoint
URLs. Registrations live in an embedded bbolt file (--db) or a DynamoDB table
(--store dynamodb --table NAME). Plain HTTP is allowed on loopback only.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runServe(cmd.Context(), d, o) },
	}
	fs := cmd.Flags()
	o.serviceFlags.add(fs)
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8443", "address to listen on")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "TLS certificate (PEM); required unless --listen is loopback")
	fs.StringVar(&o.tlsKey, "tls-key", "", "TLS private key (PEM)")
	fs.StringVar(&o.brokerID, "broker-id", "", "value callers must sign into the X-Tip-Broker-Id header (required; e.g. the broker's host name)")
	fs.StringVar(&o.region, "region", "", "AWS region (default from the environment)")
	fs.StringSliceVar(&o.stsEndpoints, "sts-endpoint", nil, "STS endpoints callers may presign for (default: the global and regional STS endpoints)")
	fs.StringVar(&o.store, "store", "bolt", "registration store: bolt or dynamodb")
	fs.StringVar(&o.db, "db", "", "bbolt file (default $XDG_STATE_HOME/tip-broker/registrations.db)")
	fs.StringVar(&o.table, "table", "", "DynamoDB table name (--store dynamodb)")
	fs.BoolVar(&o.createTable, "create-table", false, "create the DynamoDB table if it does not exist")
	fs.Float64Var(&o.sourceRate, "source-rate", 20, "requests per second allowed per client address, checked before any STS call (0 disables)")
	fs.IntVar(&o.sourceBurst, "source-burst", 40, "requests a client address may send at once")
	fs.StringSliceVar(&o.allowAccounts, "allow-account", nil, "AWS accounts whose roles may call (default: the broker's own account)")
	fs.StringSliceVar(&o.allowRoles, "allow-role", nil, "role ARNs that may call (default: any role of an allowed account)")
	fs.BoolVar(&o.allowAnyAccount, "allow-any-account", false, "let roles of every AWS account call (each still reaches only its own account's roles)")
	return cmd
}

func (o *serveOptions) validate() error {
	if err := o.serviceFlags.validate(); err != nil {
		return err
	}
	switch {
	case o.brokerID == "":
		return cmdbase.FlagErrorf("--broker-id is required: callers bind their presigned requests to it")
	case (o.tlsCert == "") != (o.tlsKey == ""):
		return cmdbase.FlagErrorf("--tls-cert and --tls-key go together")
	case o.store != "bolt" && o.store != "dynamodb":
		return cmdbase.FlagErrorf("--store must be bolt or dynamodb, got %q", o.store)
	case o.store == "dynamodb" && o.table == "":
		return cmdbase.FlagErrorf("--store dynamodb needs --table")
	case o.store == "bolt" && (o.table != "" || o.createTable):
		return cmdbase.FlagErrorf("--table and --create-table need --store dynamodb")
	case o.sourceRate < 0 || (o.sourceRate > 0 && o.sourceBurst < 1):
		return cmdbase.FlagErrorf("--source-rate must be ≥ 0 and --source-burst ≥ 1")
	case o.allowAnyAccount && len(o.allowAccounts) > 0:
		return cmdbase.FlagErrorf("--allow-any-account and --allow-account exclude each other")
	}
	for _, a := range o.allowAccounts {
		if !awsid.IsAccountID(a) {
			return cmdbase.FlagErrorf("--allow-account %q is not a 12-digit account id", a)
		}
	}
	host, _, err := net.SplitHostPort(o.listen)
	if err != nil {
		return cmdbase.FlagErrorf("--listen: %v", err)
	}
	if o.tlsCert == "" && !loopback.IsHost(host) {
		return cmdbase.FlagErrorf("--tls-cert and --tls-key are required unless --listen is a loopback address")
	}
	return nil
}

// allowedAccounts is --allow-account, by default the broker's own account
// (one GetCallerIdentity at start), or none for --allow-any-account.
func (o *serveOptions) allowedAccounts(ctx context.Context, cfg aws.Config) ([]string, error) {
	if o.allowAnyAccount || len(o.allowAccounts) > 0 {
		return o.allowAccounts, nil
	}
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, fmt.Errorf("look up the broker's own account (or pass --allow-account): %w", err)
	}
	return []string{aws.ToString(out.Account)}, nil
}

func runServe(ctx context.Context, d *Deps, o *serveOptions) error {
	if err := o.validate(); err != nil {
		return err
	}
	cfg, err := d.AWSConfig(ctx, o.region)
	if err != nil {
		return err
	}
	store, where, err := o.openStore(ctx, d, dynamodb.NewFromConfig(cfg))
	if err != nil {
		return err
	}
	defer store.Close()
	endpoints := o.stsEndpoints
	if len(endpoints) == 0 {
		endpoints = callerauth.DefaultSTSEndpoints(cfg.Region)
	}
	accounts, err := o.allowedAccounts(ctx, cfg)
	if err != nil {
		return err
	}
	auth, err := callerauth.NewVerifier(callerauth.VerifierOptions{BrokerID: o.brokerID, STSEndpoints: endpoints, Now: d.Now,
		HTTPClient:      &http.Client{Timeout: 5 * time.Second, Transport: pooledTransport()},
		AllowedAccounts: accounts, AllowedRoles: o.allowRoles, PerCallerEntries: o.perCallerEntries()})
	if err != nil {
		return cmdbase.FlagErrorf("--sts-endpoint: %v", err)
	}
	handler := &server.HTTPHandler{Service: o.newService(d, cfg, store), Auth: auth}
	if o.sourceRate > 0 {
		handler.Sources = server.NewLimiter(o.sourceRate, o.sourceBurst)
	}
	return listenAndServe(ctx, d, o, handler, where)
}

// perCallerEntries is one application's share of the replay cache: what
// --rate and --burst admit over an entry's lifetime (2 minutes), at least
// the default; with --rate 0 (no per-caller limit) the whole cache.
func (o *serveOptions) perCallerEntries() int {
	if o.rate == 0 {
		return callerauth.DefaultReplayCacheSize
	}
	return max(callerauth.DefaultPerCallerEntries, int(o.rate*120)+o.burst)
}

// pooledTransport keeps enough idle connections to STS for a burst of
// concurrent callers: with Go's default of 2 per host, most calls under load
// would dial (and, against real STS, handshake) a new connection.
func pooledTransport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 512
	tr.MaxIdleConnsPerHost = 256
	return tr
}

func (o *serveOptions) openStore(ctx context.Context, d *Deps, db *dynamodb.Client) (registry.Store, string, error) {
	if o.store == "dynamodb" {
		if o.createTable {
			if err := registry.CreateDynamoDBTable(ctx, db, o.table); err != nil {
				return nil, "", err
			}
		}
		return registry.NewDynamoDB(db, o.table), "dynamodb table " + o.table, nil
	}
	path := o.db
	if path == "" {
		dir, err := stateDir(d.Getenv)
		if err != nil {
			return nil, "", err
		}
		path = filepath.Join(dir, "registrations.db")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, "", fmt.Errorf("create registration store directory: %w", err)
	}
	s, err := registry.OpenBolt(path)
	if err != nil {
		return nil, "", err
	}
	return s, "bbolt file " + path, nil
}

// stateDir is $XDG_STATE_HOME/tip-broker or ~/.local/state/tip-broker.
func stateDir(getenv func(string) string) (string, error) {
	if dir := getenv("XDG_STATE_HOME"); dir != "" {
		return filepath.Join(dir, "tip-broker"), nil
	}
	if home := getenv("HOME"); home != "" {
		return filepath.Join(home, ".local", "state", "tip-broker"), nil
	}
	return "", errors.New("no --db given and neither XDG_STATE_HOME nor HOME is set")
}

func listenAndServe(ctx context.Context, d *Deps, o *serveOptions, h http.Handler, where string) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    32 << 10,
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	scheme := "http"
	if o.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
		if err != nil {
			ln.Close()
			return fmt.Errorf("load TLS key pair: %w", err)
		}
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
		ln, scheme = tls.NewListener(ln, srv.TLSConfig), "https"
	}
	fmt.Fprintf(d.IOStreams.ErrOut, "tip-broker: serving %s://%s (registrations in %s)\n", scheme, ln.Addr(), where)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	fmt.Fprintln(d.IOStreams.ErrOut, "tip-broker: stopped")
	return nil
}
