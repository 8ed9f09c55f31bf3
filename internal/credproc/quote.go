package credproc

// ShellQuote quotes s for a POSIX shell when it holds anything but
// characters that are safe bare (serve prints eval-able exports).
func ShellQuote(s string) string { return shellQuote(s) }
