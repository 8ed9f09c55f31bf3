// Command tip-broker is the IAM session broker: it turns an application's
// end-user JWT into AWS credentials tagged with the user's tenant.
package main

import (
	"os"

	brokerapp "github.com/tip-cli/tip-cli/internal/broker/app"
	"github.com/tip-cli/tip-cli/internal/cmdbase"
)

// Set at build time with -ldflags "-X main.version=… -X main.commit=… -X main.date=…".
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

func main() {
	os.Exit(brokerapp.Main(cmdbase.BuildInfo{Version: version, Commit: commit, Date: date}))
}
