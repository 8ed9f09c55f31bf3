package awsemu

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/url"
	"time"
)

const (
	stsXMLNS    = "https://sts.amazonaws.com/doc/2011-06-15/"
	stsVersion  = "2011-06-15"
	stsMaxChain = 3600
	stsMaxWebID = 43200
)

type stsCredentialsXML struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

type stsAssumedRoleUserXML struct {
	AssumedRoleID string `xml:"AssumedRoleId"`
	Arn           string `xml:"Arn"`
}

type stsAssumeRoleResult struct {
	XMLName          xml.Name `xml:"AssumeRoleResult"`
	Credentials      stsCredentialsXML
	AssumedRoleUser  stsAssumedRoleUserXML
	PackedPolicySize int `xml:",omitempty"`
}

type stsCallerIdentityResult struct {
	XMLName xml.Name `xml:"GetCallerIdentityResult"`
	UserID  string   `xml:"UserId"`
	Account string   `xml:"Account"`
	Arn     string   `xml:"Arn"`
}

// stsOp is one STS action: signed says whether SigV4 is required.
type stsOp struct {
	signed bool
	run    func(ctx context.Context, form url.Values, caller *Principal) (any, *awsAPIError)
}

func (a *AWS) stsOps() map[string]stsOp {
	return map[string]stsOp{
		"AssumeRoleWithWebIdentity": {signed: false, run: a.stsAssumeRoleWithWebIdentity},
		"AssumeRole":                {signed: true, run: a.stsAssumeRole},
		"GetCallerIdentity":         {signed: true, run: a.stsGetCallerIdentity},
	}
}

// serveSTS handles the awsQuery STS endpoint (POST / with a form body).
func (a *AWS) serveSTS(w http.ResponseWriter, r *http.Request) {
	body, err := awsReadBody(r)
	if err != nil {
		stsWriteError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "request body too large")
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		stsWriteError(w, http.StatusBadRequest, "MalformedQueryString", "malformed form body")
		return
	}
	action := form.Get("Action")
	op, ok := a.stsOps()[action]
	if !ok {
		stsWriteError(w, http.StatusBadRequest, "InvalidAction", "Could not find operation "+action+" for version "+form.Get("Version"))
		return
	}
	var caller *Principal
	var authErr *awsAuthError
	if op.signed {
		caller, authErr = a.verifySigV4(r, body, "sts")
	}
	if !a.stsBegin(w, r, action, form, caller, authErr) {
		return
	}
	if form.Get("Version") != stsVersion {
		stsWriteError(w, http.StatusBadRequest, "InvalidAction", "Could not find operation "+action+" for version "+form.Get("Version"))
		return
	}
	result, apiErr := op.run(r.Context(), form, caller)
	if apiErr != nil {
		stsWriteError(w, apiErr.status, apiErr.code, apiErr.message)
		return
	}
	stsWriteResult(w, action, result)
}

// stsBegin records the request (or fails it with a queued FailNext) and
// answers a SigV4 failure; it reports whether the action should run.
func (a *AWS) stsBegin(w http.ResponseWriter, r *http.Request, action string, params url.Values, caller *Principal, authErr *awsAuthError) bool {
	if f, failed := a.begin(action, "", Recorded{Params: params, Header: r.Header.Clone(), Caller: caller}); failed {
		stsWriteError(w, f.status, f.code, f.message)
		return false
	}
	if authErr != nil {
		status, code := awsAuthCode(awsProtoQuery, authErr.kind)
		stsWriteError(w, status, code, authErr.message)
		return false
	}
	return true
}

// stsWriteResult wraps result in <ActionResponse> with ResponseMetadata.
func stsWriteResult(w http.ResponseWriter, action string, result any) {
	queryWriteResult(w, stsXMLNS, action, result)
}

// queryWriteResult writes an awsQuery <ActionResponse> in namespace xmlns:
// result (omitted when nil) and ResponseMetadata.
func queryWriteResult(w http.ResponseWriter, xmlns, action string, result any) {
	type meta struct {
		RequestID string `xml:"RequestId"`
	}
	v := struct {
		XMLName          xml.Name
		Xmlns            string `xml:"xmlns,attr"`
		Result           any
		ResponseMetadata meta
	}{XMLName: xml.Name{Local: action + "Response"}, Xmlns: xmlns, Result: result, ResponseMetadata: meta{awsRequestID()}}
	awsWriteXML(w, http.StatusOK, v)
}

func (a *AWS) stsAssumeRole(_ context.Context, form url.Values, caller *Principal) (any, *awsAPIError) {
	req, apiErr := stsParseRequest(form, stsMaxChain, "1 hour session limit for roles assumed by role chaining.")
	if apiErr == nil {
		apiErr = stsParseContexts(req.contexts)
	}
	if apiErr != nil {
		return nil, apiErr
	}
	if spec, ok := a.roleSpec(req.roleARN); ok {
		return a.stsAssumeAddedRole(req, spec, caller)
	}
	denied := awsErr(http.StatusForbidden, "AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on resource: %s", caller.AssumedRoleARN, req.roleARN)
	if caller.Kind != "oidc-role" {
		return nil, denied
	}
	p := a.roleSession(req.roleARN, req.session, "", req.duration)
	switch req.roleARN {
	case a.IDEnhancedRoleARN():
		userID, apiErr := a.stsCheckContext(req.contexts, caller, req.roleARN)
		if apiErr != nil {
			return nil, apiErr
		}
		p.Kind, p.UserID = "id-enhanced", userID
		p.Expiration = a.now().Add(a.lifetime(req.duration))
	case a.PlainRoleARN():
		if len(req.contexts) > 0 {
			return nil, awsErr(http.StatusForbidden, "AccessDenied", "User: %s is not authorized to perform: sts:SetContext on resource: %s", caller.AssumedRoleARN, req.roleARN)
		}
		p.Kind = "plain-role"
	default:
		return nil, denied
	}
	packed, apiErr := req.checkPolicies()
	if apiErr != nil {
		return nil, apiErr
	}
	p, c := a.issue(p)
	return stsAssumeRoleResult{Credentials: stsCredentials(p, c), AssumedRoleUser: stsAssumedRoleUser(p), PackedPolicySize: packed}, nil
}

// stsCheckContext requires exactly one Identity Center context assertion the
// emulator issued and that has not expired; it returns its user id.
func (a *AWS) stsCheckContext(ctxs []map[string]string, caller *Principal, roleARN string) (string, *awsAPIError) {
	if len(ctxs) != 1 || ctxs[0]["ProviderArn"] != stsContextProvider {
		return "", awsErr(http.StatusForbidden, "AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on resource: %s: the role requires exactly one context from %s", caller.AssumedRoleARN, roleARN, stsContextProvider)
	}
	ic, ok := a.identityContext(ctxs[0]["ContextAssertion"])
	if !ok {
		return "", awsErr(http.StatusForbidden, "AccessDenied", "The provided context assertion is invalid")
	}
	if !a.now().Before(ic.exp) {
		return "", awsErr(http.StatusForbidden, "AccessDenied", "The provided context assertion has expired")
	}
	return ic.userID, nil
}

func (a *AWS) stsGetCallerIdentity(_ context.Context, _ url.Values, caller *Principal) (any, *awsAPIError) {
	return stsCallerIdentityResult{
		UserID:  awsRoleID(caller.RoleARN) + ":" + caller.SessionName,
		Account: a.opts.AccountID,
		Arn:     caller.AssumedRoleARN,
	}, nil
}

// roleSession is the principal of a new session of roleARN lasting d.
func (a *AWS) roleSession(roleARN, session, kind string, d time.Duration) Principal {
	return Principal{RoleARN: roleARN, AssumedRoleARN: a.assumedRoleARN(roleARN, session),
		SessionName: session, Kind: kind, Expiration: a.now().Add(d)}
}

func stsCredentials(p Principal, c *awsCred) stsCredentialsXML {
	return stsCredentialsXML{AccessKeyID: p.AccessKeyID, SecretAccessKey: c.secret, SessionToken: c.token, Expiration: awsISO(p.Expiration)}
}

func stsAssumedRoleUser(p Principal) stsAssumedRoleUserXML {
	return stsAssumedRoleUserXML{AssumedRoleID: awsRoleID(p.RoleARN) + ":" + p.SessionName, Arn: p.AssumedRoleARN}
}
