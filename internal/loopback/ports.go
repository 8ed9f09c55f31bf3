package loopback

import (
	"io"
	"os"
	"strconv"
	"strings"
)

// EphemeralLow is the first port of the kernel's ephemeral range (Linux:
// net.ipv4.ip_local_port_range), 0 when unknown. The kernel hands ports
// from that range to every `listen :0` and outgoing connection, so a port
// picked there and released can be taken by anyone before it is bound
// again; ports below it are only ever bound by name.
func EphemeralLow() int {
	// procfs reports size 0, so read a bounded prefix ("32768\t60999\n").
	file, err := os.Open("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 0
	}
	defer file.Close()
	b := make([]byte, 64)
	n, _ := io.ReadFull(file, b)
	f := strings.Fields(string(b[:n]))
	if len(f) == 0 {
		return 0
	}
	low, err := strconv.Atoi(f[0])
	if err != nil || low < 1 || low > 65535 {
		return 0
	}
	return low
}
