package cmd

import (
	"io"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/pflag"

	"github.com/tip-cli/tip-cli/internal/broker/jwtauth"
	"github.com/tip-cli/tip-cli/internal/broker/registry"
	"github.com/tip-cli/tip-cli/internal/broker/server"
	"github.com/tip-cli/tip-cli/internal/cmdbase"
)

// serviceFlags are the settings both service modes share.
type serviceFlags struct {
	duration  time.Duration
	rate      float64
	burst     int
	jwksTTL   time.Duration
	logFormat string
	// allowPrivateJWKS is --insecure-allow-private-jwks.
	allowPrivateJWKS bool
}

func (f *serviceFlags) add(fs *pflag.FlagSet) {
	fs.DurationVar(&f.duration, "duration", time.Hour, "lifetime of issued credentials (15m to 1h: the broker's own session makes them role-chained)")
	fs.Float64Var(&f.rate, "rate", 10, "requests per second allowed per calling application (0 disables the limit)")
	fs.IntVar(&f.burst, "burst", 20, "requests a calling application may send at once")
	fs.DurationVar(&f.jwksTTL, "jwks-ttl", 15*time.Minute, "how long a fetched JWKS is trusted before it is fetched again")
	fs.StringVar(&f.logFormat, "log-format", "json", "access log format on stderr: json or text")
	fs.BoolVar(&f.allowPrivateJWKS, "insecure-allow-private-jwks", false,
		"let JWKS URLs reach loopback and private addresses (and http on loopback): labs and the sandbox only")
}

func (f *serviceFlags) validate() error {
	switch {
	case f.duration < 15*time.Minute || f.duration > time.Hour:
		return cmdbase.FlagErrorf("--duration must be between 15m and 1h, got %s", f.duration)
	case f.rate < 0 || (f.rate > 0 && f.burst < 1):
		return cmdbase.FlagErrorf("--rate must be ≥ 0 and --burst ≥ 1")
	case f.jwksTTL < time.Minute:
		return cmdbase.FlagErrorf("--jwks-ttl must be at least 1m")
	case f.logFormat != "json" && f.logFormat != "text":
		return cmdbase.FlagErrorf("--log-format must be json or text, got %q", f.logFormat)
	}
	return nil
}

// newService wires the broker core to its store and AWS configuration.
func (f *serviceFlags) newService(d *Deps, cfg aws.Config, store registry.Store) *server.Service {
	s := &server.Service{
		Store: store,
		Tokens: jwtauth.NewVerifier(jwtauth.Options{Now: d.Now, TTL: f.jwksTTL,
			InsecureAllowPrivateNetworks: f.allowPrivateJWKS}),
		AllowPrivateJWKS: f.allowPrivateJWKS,
		STS:              sts.NewFromConfig(cfg),
		Log:              newLogger(d.IOStreams.ErrOut, f.logFormat),
		Now:              d.Now,
		Duration:         f.duration,
	}
	if f.rate > 0 {
		s.Limiter = server.NewLimiter(f.rate, f.burst)
	}
	return s
}

func newLogger(w io.Writer, format string) *slog.Logger {
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, nil))
	}
	return slog.New(slog.NewJSONHandler(w, nil))
}
