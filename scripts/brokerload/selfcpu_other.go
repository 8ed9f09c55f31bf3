//go:build !unix

package main

import "time"

// selfCPU is not measured off Unix (no getrusage): the report shows 0,
// as processCPU does without /proc.
func selfCPU() time.Duration { return 0 }
