// Command tip-credential-process is the lean credential_process binary: it
// serves tip-cli's cached credentials in about the time of an empty Go
// program and hands anything else to tip-cli (see internal/lean).
package main

import (
	"os"

	"github.com/tip-cli/tip-cli/internal/lean"
)

func main() { os.Exit(lean.Main(lean.System())) }
