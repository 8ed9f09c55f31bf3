package loopback

import (
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
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n < 1 || n > 65535 {
		return 0
	}
	return n
}
