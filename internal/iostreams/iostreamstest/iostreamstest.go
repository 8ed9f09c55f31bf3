// Package iostreamstest gives tests streams backed by buffers, so they can
// feed stdin and read every byte a command writes. Only tests import it;
// TestShippedBinariesLinkNoTestCode (internal/cmd/demo) keeps it out of the
// shipped binaries.
package iostreamstest

import (
	"bytes"

	"github.com/tip-cli/tip-cli/internal/iostreams"
)

// New returns streams backed by buffers, none of them a terminal, and the
// buffers: in, out, errOut.
func New() (*iostreams.IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return iostreams.New(in, out, errOut, iostreams.TTY{}), in, out, errOut
}

// SetTTY makes s report the streams of tty as terminals, keeping its
// readers and writers, so a test can exercise the interactive paths.
func SetTTY(s *iostreams.IOStreams, tty iostreams.TTY) {
	*s = *iostreams.New(s.In, s.Out, s.ErrOut, tty)
}
