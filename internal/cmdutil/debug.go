package cmdutil

import (
	"log/slog"
	"strings"
)

// Logger returns the --debug logger: structured lines on stderr when debug
// is on, a discarding logger otherwise. Attributes whose key names a
// secret are redacted as a second line of defence: callers never pass
// tokens or keys in the first place.
func (f *Factory) Logger() *slog.Logger {
	if !f.Debug {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(f.IOStreams.ErrOut, &slog.HandlerOptions{
		Level:       slog.LevelDebug,
		ReplaceAttr: redact,
	}))
}

func redact(_ []string, a slog.Attr) slog.Attr {
	k := strings.ToLower(a.Key)
	for _, s := range []string{"token", "secret", "password", "assertion", "verifier"} {
		if strings.Contains(k, s) {
			return slog.String(a.Key, "[redacted]")
		}
	}
	return a
}
