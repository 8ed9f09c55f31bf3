//go:build !unix

package app

const nonBlock = 0

const stdinPath = "CONIN$"
