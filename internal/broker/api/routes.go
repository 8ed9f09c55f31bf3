// Package api is tip-broker's HTTP API as data: the one route table that
// the server routes by, the Lambda template deploys as API Gateway
// methods, the client calls and the sandbox's API Gateway serves. A route
// added here and handled by the server is deployed, callable and served
// everywhere; a test in each reader fails when it is not.
package api

import "net/http"

// Op names what a route does.
type Op string

// The broker's operations.
const (
	Register    Op = "Register"
	Describe    Op = "Describe"
	Deregister  Op = "Deregister"
	Credentials Op = "Credentials"
	Health      Op = "Health"
)

// Route is one method on one path of the API.
type Route struct {
	Op     Op
	Method string
	// Path is the route's path, one segment below the stage.
	Path string
	// Public routes are deployed without authorization and answered
	// without identifying the caller (AWS_IAM, SigV4 or the presigned
	// GetCallerIdentity, otherwise).
	Public bool
}

// Paths of the API.
const (
	applicationsPath = "/applications"
	credentialsPath  = "/credentials"
	HealthPath       = "/health"
)

// Routes returns the table, in the template's order; a fresh slice.
func Routes() []Route {
	return []Route{
		{Describe, http.MethodGet, applicationsPath, false},
		{Register, http.MethodPost, applicationsPath, false},
		{Deregister, http.MethodDelete, applicationsPath, false},
		{Credentials, http.MethodGet, credentialsPath, false},
		{Health, http.MethodGet, HealthPath, true},
	}
}

// Key is the route as API Gateway writes route keys: "GET /applications".
func (r Route) Key() string { return r.Method + " " + r.Path }

// Find returns the route for method and path.
func Find(method, path string) (Route, bool) {
	for _, r := range Routes() {
		if r.Method == method && r.Path == path {
			return r, true
		}
	}
	return Route{}, false
}

// Of returns the route of op (each Op constant has one; a test checks).
func Of(op Op) (Route, bool) {
	for _, r := range Routes() {
		if r.Op == op {
			return r, true
		}
	}
	return Route{}, false
}

// KnownPath reports whether some route has path (so another method on it
// is 405, not 404).
func KnownPath(path string) bool {
	for _, r := range Routes() {
		if r.Path == path {
			return true
		}
	}
	return false
}

// Keys returns the route keys of the public (public true) or the
// authorized routes, in table order.
func Keys(public bool) []string {
	var keys []string
	for _, r := range Routes() {
		if r.Public == public {
			keys = append(keys, r.Key())
		}
	}
	return keys
}
