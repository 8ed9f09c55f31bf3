//go:build unix

package app

// stdinPath reopens stdin's terminal as a file description of our own.
const stdinPath = "/proc/self/fd/0"
