package brokeremu

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// The API's routes: parsing "METHOD /path/{param}", matching a request to
// the best one as API Gateway ranks them.

// apigwMethodOK reports whether m is an API Gateway HTTP method.
func apigwMethodOK(m string) bool {
	switch m {
	case "ANY", http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete,
		http.MethodPatch, http.MethodHead, http.MethodOptions:
		return true
	}
	return false
}

// apigwParseRoute parses "METHOD /path/{param}/{greedy+}", or with
// httpAPI also "$default", the route that catches what no other matches.
func apigwParseRoute(s string, httpAPI bool) (apigwRoute, error) {
	if httpAPI && strings.TrimSpace(s) == apigwRouteDefault {
		return apigwRoute{method: "ANY", resource: apigwRouteDefault, id: "default"}, nil
	}
	method, path, ok := strings.Cut(strings.TrimSpace(s), " ")
	path = strings.TrimSpace(path)
	if !ok || !apigwMethodOK(method) {
		return apigwRoute{}, errors.New(`want "METHOD /path" with METHOD one of ANY, GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS`)
	}
	if !strings.HasPrefix(path, "/") {
		return apigwRoute{}, errors.New("path must start with /")
	}
	sum := sha256.Sum256([]byte(path))
	rt := apigwRoute{method: method, resource: path, id: hex.EncodeToString(sum[:3])}
	if path == "/" {
		return rt, nil
	}
	rt.segments = strings.Split(path[1:], "/")
	for i, seg := range rt.segments {
		name, isParam := apigwParam(seg)
		switch {
		case seg == "":
			return apigwRoute{}, errors.New("empty path segment")
		case isParam && (name == "" || name == "+"):
			return apigwRoute{}, errors.New("empty path parameter name")
		case isParam && strings.HasSuffix(name, "+") && i != len(rt.segments)-1:
			return apigwRoute{}, errors.New("a greedy path parameter must be the last segment")
		case !isParam && strings.ContainsAny(seg, "{}"):
			return apigwRoute{}, fmt.Errorf("malformed path segment %q", seg)
		}
	}
	return rt, nil
}

// apigwParam returns the name inside "{name}" (with its "+" when greedy).
func apigwParam(seg string) (string, bool) {
	if len(seg) >= 2 && seg[0] == '{' && seg[len(seg)-1] == '}' {
		return seg[1 : len(seg)-1], true
	}
	return "", false
}

// match matches a stage-relative path; score ranks literal segments first,
// then an exact method over ANY.
func (rt apigwRoute) match(method, path string) (params map[string]string, score int, ok bool) {
	if rt.resource == apigwRouteDefault {
		return nil, -1, true // below every other route
	}
	if rt.method != "ANY" && rt.method != method {
		return nil, 0, false
	}
	if rt.method != "ANY" {
		score = 1
	}
	if rt.resource == "/" || path == "/" {
		return nil, score, rt.resource == path
	}
	parts := strings.Split(path[1:], "/")
	for i, seg := range rt.segments {
		name, isParam := apigwParam(seg)
		switch {
		case i >= len(parts) || parts[i] == "":
			return nil, 0, false
		case isParam && strings.HasSuffix(name, "+"):
			params = apigwSet(params, strings.TrimSuffix(name, "+"), strings.Join(parts[i:], "/"))
			return params, score, true
		case isParam:
			params = apigwSet(params, name, parts[i])
		case seg != parts[i]:
			return nil, 0, false
		default:
			score += 2 * (len(rt.segments) + 1) // any literal beats any parameter
		}
	}
	return params, score, len(parts) == len(rt.segments)
}

func apigwSet(m map[string]string, k, v string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	m[k] = v
	return m
}

// route finds the best method for a request path (stage prefix included).
func (g *APIGateway) route(method, fullPath string) (apigwRoute, string, map[string]string, bool) {
	path, ok := strings.CutPrefix(fullPath, "/"+g.opts.Stage)
	if g.opts.Stage == apigwStageDefault {
		path, ok = fullPath, true
	}
	if !ok || (path != "" && path[0] != '/') {
		return apigwRoute{}, "", nil, false
	}
	if path == "" {
		path = "/"
	}
	best, bestScore, found := apigwRoute{}, -2, false
	var bestParams map[string]string
	for _, rt := range g.routes {
		if params, score, ok := rt.match(method, path); ok && score > bestScore {
			best, bestScore, bestParams, found = rt, score, params, true
		}
	}
	return best, path, bestParams, found
}
