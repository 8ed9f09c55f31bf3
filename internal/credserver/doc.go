// Package credserver is a local credential endpoint in the shape of the
// container credentials provider every AWS SDK and the AWS CLI know
// (AWS_CONTAINER_CREDENTIALS_FULL_URI plus AWS_CONTAINER_AUTHORIZATION_TOKEN),
// so a long-running process keeps refreshing identity-enhanced sessions,
// which role chaining caps at one hour, without static keys in its
// environment.
//
// The handler refuses before it serves: only GET of the one path, only the
// Host it serves (DNS rebinding), no browser Origin, and the authorization
// token compared in constant time. Credentials come from a Source (the
// session manager) through an in-memory cache with one fetch in flight, so
// the warm path touches neither the store nor the network and N clients at
// expiry cause one refresh; with Ahead, that refresh runs in the background
// before the credentials stop being fresh, so no request waits for it. One
// server may answer several profiles, each at its own path. Clock, timer,
// randomness and output arrive as fields.
package credserver
