package callerauth

import "github.com/tip-cli/tip-cli/internal/testhttp"

// This package's tests start httptest servers: see testhttp.
func init() { testhttp.NoSharedIdleConns() }
