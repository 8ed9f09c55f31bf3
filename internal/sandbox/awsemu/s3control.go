package awsemu

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	s3cOp    = "GetDataAccess"
	s3cXMLNS = "http://awss3control.amazonaws.com/doc/2018-08-20/"
)

type s3cGranteeXML struct {
	GranteeType       string `xml:"GranteeType"`
	GranteeIdentifier string `xml:"GranteeIdentifier"`
}

type s3cDataAccessResult struct {
	XMLName            xml.Name          `xml:"GetDataAccessResult"`
	Xmlns              string            `xml:"xmlns,attr"`
	Credentials        stsCredentialsXML `xml:"Credentials"`
	MatchedGrantTarget string            `xml:"MatchedGrantTarget"`
	Grantee            s3cGranteeXML     `xml:"Grantee"`
}

// s3cRequest holds validated GetDataAccess parameters.
type s3cRequest struct {
	raw        string
	target     s3cTarget
	permission string
	minimal    bool
	duration   time.Duration
}

// serveGetDataAccess handles GET /v20180820/accessgrantsinstance/dataaccess
// (restXml, SigV4 name s3).
func (a *AWS) serveGetDataAccess(w http.ResponseWriter, r *http.Request) {
	body, err := awsReadBody(r)
	if err != nil {
		s3cWriteError(w, http.StatusRequestEntityTooLarge, "EntityTooLarge", "request body too large")
		return
	}
	caller, authErr := a.verifySigV4(r, body, "s3")
	q := r.URL.Query()
	if f, failed := a.begin(s3cOp, "", Recorded{Params: q, Header: r.Header.Clone(), Caller: caller}); failed {
		s3cWriteError(w, f.status, f.code, f.message)
		return
	}
	if authErr != nil {
		status, code := awsAuthCode(awsProtoRestXML, authErr.kind)
		s3cWriteError(w, status, code, authErr.message)
		return
	}
	res, apiErr := a.s3cGetDataAccess(r.Header.Get("X-Amz-Account-Id"), q, caller)
	if apiErr != nil {
		s3cWriteError(w, apiErr.status, apiErr.code, apiErr.message)
		return
	}
	awsWriteXML(w, http.StatusOK, res)
}

func (a *AWS) s3cGetDataAccess(account string, q url.Values, caller *Principal) (any, *awsAPIError) {
	if len(account) != 12 || strings.Trim(account, "0123456789") != "" {
		return nil, awsErr(http.StatusBadRequest, "InvalidRequest", "x-amz-account-id must be a 12-digit account id")
	}
	req, apiErr := s3cParseQuery(q)
	if apiErr != nil {
		return nil, apiErr
	}
	if caller.Kind != "id-enhanced" || account != a.opts.AccountID {
		return nil, awsErr(http.StatusForbidden, "AccessDenied", "Access denied: %s is not an identity-enhanced session of account %s", caller.AssumedRoleARN, account)
	}
	groups := a.opts.Groups[caller.UserID]
	m, ok := s3cMatchGrant(a.opts.Grants, caller.UserID, groups, req.target, req.permission)
	if !ok {
		return nil, awsErr(http.StatusForbidden, "AccessDenied", "You do not have any access grant for %s with permission %s", req.raw, req.permission)
	}
	matched := m.rule.Scope
	if req.minimal {
		matched = req.raw
	}
	role := a.roleARN("tip-sandbox-s3ag-location")
	session := "access-grants-" + awsRandom(awsAlnumLower, 12)
	p, c := a.issue(Principal{
		RoleARN:        role,
		AssumedRoleARN: a.assumedRoleARN(role, session),
		SessionName:    session,
		Kind:           "s3ag",
		UserID:         caller.UserID,
		Expiration:     a.now().Add(a.lifetime(req.duration)),
	})
	return s3cDataAccessResult{
		Xmlns:              s3cXMLNS,
		Credentials:        stsCredentials(p, c),
		MatchedGrantTarget: matched,
		Grantee:            s3cGranteeXML{GranteeType: m.granteeType, GranteeIdentifier: m.rule.Grantee},
	}, nil
}

// s3cParseQuery validates the GetDataAccess query parameters.
func s3cParseQuery(q url.Values) (s3cRequest, *awsAPIError) {
	invalid := func(format string, args ...any) (s3cRequest, *awsAPIError) {
		return s3cRequest{}, awsErr(http.StatusBadRequest, "InvalidRequest", format, args...)
	}
	req := s3cRequest{raw: q.Get("target"), permission: q.Get("permission"), duration: time.Hour}
	if n := len(req.raw); n < 1 || n > 2000 {
		return invalid("target must have length between 1 and 2000")
	}
	switch req.permission {
	case "READ", "WRITE", "READWRITE":
	default:
		return invalid("permission must be READ, WRITE or READWRITE")
	}
	switch q.Get("privilege") {
	case "", "Default":
	case "Minimal":
		req.minimal = true
	default:
		return invalid("privilege must be Default or Minimal")
	}
	if d := q.Get("durationSeconds"); d != "" {
		secs, err := strconv.Atoi(d)
		if err != nil || secs < 900 || secs > 43200 {
			return invalid("durationSeconds must be between 900 and 43200")
		}
		req.duration = time.Duration(secs) * time.Second
	}
	tt := q.Get("targetType")
	if tt != "" && tt != "Object" {
		return invalid("targetType must be Object")
	}
	target, err := s3cParseRequest(req.raw, tt == "Object")
	if err != nil {
		return invalid("invalid target %q: %v", req.raw, err)
	}
	req.target = target
	return req, nil
}
