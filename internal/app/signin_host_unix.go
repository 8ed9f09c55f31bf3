//go:build unix

package app

import "syscall"

// nonBlock opens FIFOs without waiting for a writer.
const nonBlock = syscall.O_NONBLOCK

// stdinPath reopens stdin's terminal as a file description of our own.
const stdinPath = "/proc/self/fd/0"
