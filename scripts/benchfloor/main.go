// Command benchfloor is the floor for scripts/bench.sh: the smallest Go
// program that, like a warm-cache credential_process call, starts, writes
// one line of JSON to stdout and exits. It is built with the same flags as
// tip-cli, so the difference between the two is what tip-cli itself costs.
package main

import "os"

func main() {
	if _, err := os.Stdout.WriteString(`{"Version":1}` + "\n"); err != nil {
		os.Exit(1)
	}
}
