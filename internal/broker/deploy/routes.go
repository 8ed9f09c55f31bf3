package deploy

import (
	"fmt"
	"strings"

	"github.com/tip-cli/tip-cli/internal/broker/api"
)

// route is one method of the broker API as the template deploys it.
type route struct {
	logicalID, method string
	// resource is the logical id of its AWS::ApiGateway::Resource, whose
	// PathPart is pathPart.
	resource, pathPart string
	public             bool
}

// routes derives the template's API methods from the broker's route
// table (api.Routes), in its order: "GET /applications" becomes the method
// ApplicationsGetMethod on the resource ApplicationsResource. Paths must
// be one lower-case segment, all the template nests.
func routes() ([]route, error) {
	var out []route
	for _, r := range api.Routes() {
		part := strings.TrimPrefix(r.Path, "/")
		if part == "" || strings.Trim(part, "abcdefghijklmnopqrstuvwxyz") != "" {
			return nil, fmt.Errorf("route %s: the template deploys one lower-case path segment per route", r.Key())
		}
		id := title(part)
		out = append(out, route{logicalID: id + title(strings.ToLower(r.Method)) + "Method", method: r.Method,
			resource: id + "Resource", pathPart: part, public: r.Public})
	}
	return out, nil
}

// title upper-cases the first letter of a lower-case ASCII word.
func title(s string) string { return strings.ToUpper(s[:1]) + s[1:] }
