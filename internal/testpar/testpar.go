// Package testpar raises a test binary's default -test.parallel for
// packages whose tests mostly wait (on child processes, loopback sockets,
// timeouts) rather than compute. The testing package's default is
// GOMAXPROCS, which on a 2-core machine runs two such tests at a time and
// leaves the CPU idle while they wait.
package testpar

import (
	"flag"
	"strconv"
)

// Default sets -test.parallel to n unless the command line set it; call it
// from TestMain before m.Run. It parses the command line, as m.Run would.
func Default(n int) {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		if err := flag.Set("test.parallel", strconv.Itoa(n)); err != nil {
			panic("testpar: " + err.Error()) // the testing package renamed its flag
		}
	}
}
