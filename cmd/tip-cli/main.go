// Command tip-cli gives people AWS credentials carrying their own workforce
// identity (IAM Identity Center trusted identity propagation).
package main

import (
	"os"

	"github.com/tip-cli/tip-cli/internal/app"
)

// Set at build time with -ldflags "-X main.version=… -X main.commit=… -X main.date=…".
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

func main() {
	os.Exit(app.Main(app.BuildInfo{Version: version, Commit: commit, Date: date}))
}
