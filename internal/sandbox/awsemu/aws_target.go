package awsemu

import (
	"encoding/json"
	"net/http"
	"strings"
)

// awsTargetService returns the SigV4 signing name of an X-Amz-Target
// prefix; "" accepts the name in the credential scope.
func awsTargetService(target string) string {
	switch {
	case strings.HasPrefix(target, "SWBExternalService."):
		return "sso"
	case strings.HasPrefix(target, "AWSIdentityStore."):
		return "identitystore"
	default:
		return ""
	}
}

// serveTarget handles awsJson1_1 requests (POST / with X-Amz-Target) with
// the handlers registered by HandleTarget. Counts and Requests use the
// operation name after the dot (e.g. "DescribeApplication").
func (a *AWS) serveTarget(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	a.ext.mu.Lock()
	h, ok := a.ext.targets[target]
	a.ext.mu.Unlock()
	if !ok {
		a.WriteJSONError(w, http.StatusBadRequest, "UnknownOperationException", "unknown operation "+target)
		return
	}
	body, err := awsReadBody(r)
	if err != nil {
		a.WriteJSONError(w, http.StatusRequestEntityTooLarge, "SerializationException", "request body too large")
		return
	}
	caller, authErr := a.verifySigV4(r, body, awsTargetService(target))
	var doc map[string]any
	jsonErr := json.Unmarshal(body, &doc)
	op := target[strings.LastIndex(target, ".")+1:]
	if f, failed := a.begin(op, target, Recorded{JSON: doc, Header: r.Header.Clone(), Caller: caller}); failed {
		a.WriteJSONError(w, f.status, f.code, f.message)
		return
	}
	if authErr != nil {
		status, code := awsAuthCode(awsProtoJSON, authErr.kind)
		a.WriteJSONError(w, status, code, authErr.message)
		return
	}
	if jsonErr != nil {
		a.WriteJSONError(w, http.StatusBadRequest, "SerializationException", "malformed JSON body")
		return
	}
	h(w, r, caller, body)
}
