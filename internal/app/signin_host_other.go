//go:build !unix

package app

const stdinPath = "CONIN$"
