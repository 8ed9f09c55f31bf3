package awsemu

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const (
	iamXMLNS   = "https://iam.amazonaws.com/doc/2010-05-08/"
	iamVersion = "2010-05-08"
)

// iamSigned reports whether r is signed for IAM: on POST / the emulator
// tells IAM from STS (both awsQuery) by the SigV4 credential scope's
// service name, as the shared endpoint has nothing else to go on.
func iamSigned(r *http.Request) bool {
	auth, err := sigv4ParseAuthorization(r.Header.Get("Authorization"))
	return err == nil && auth.service == "iam"
}

// iamOps are the IAM actions served. Any credentials the emulator issued may
// call them: the sandbox has no IAM permissions model.
func (a *AWS) iamOps() map[string]func(url.Values) (any, *awsAPIError) {
	return map[string]func(url.Values) (any, *awsAPIError){
		"CreateOpenIDConnectProvider": a.iamCreateOIDCProvider,
		"GetOpenIDConnectProvider":    a.iamGetOIDCProvider,
		"UpdateOpenIDConnectProvider": a.iamUpdateOIDCProvider,
		"GetRole":                     a.iamGetRole,
	}
}

// serveIAM handles the awsQuery IAM endpoint (POST / signed for "iam").
func (a *AWS) serveIAM(w http.ResponseWriter, r *http.Request) {
	body, err := awsReadBody(r)
	if err != nil {
		queryWriteError(w, iamXMLNS, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "request body too large")
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		queryWriteError(w, iamXMLNS, http.StatusBadRequest, "MalformedQueryString", "malformed form body")
		return
	}
	action := form.Get("Action")
	caller, authErr := a.verifySigV4(r, body, "iam")
	if f, failed := a.begin(action, "", Recorded{Params: form, Header: r.Header.Clone(), Caller: caller}); failed {
		queryWriteError(w, iamXMLNS, f.status, f.code, f.message)
		return
	}
	if authErr != nil {
		status, code := awsAuthCode(awsProtoQuery, authErr.kind)
		queryWriteError(w, iamXMLNS, status, code, authErr.message)
		return
	}
	op, ok := a.iamOps()[action]
	if !ok || form.Get("Version") != iamVersion {
		queryWriteError(w, iamXMLNS, http.StatusBadRequest, "InvalidAction", "Could not find operation "+action+" for version "+form.Get("Version"))
		return
	}
	result, apiErr := op(form)
	if apiErr != nil {
		queryWriteError(w, iamXMLNS, apiErr.status, apiErr.code, apiErr.message)
		return
	}
	queryWriteResult(w, iamXMLNS, action, result)
}

// iamParseContext reads ContextProvider.* (nil when the request has none).
func iamParseContext(form url.Values) (*ContextProvider, *awsAPIError) {
	present := false
	for k := range form {
		present = present || strings.HasPrefix(k, "ContextProvider.")
	}
	if !present {
		return nil, nil
	}
	c := &ContextProvider{
		SubjectSourceKey:     form.Get("ContextProvider.SubjectSourceKey"),
		SubjectTypeSourceKey: form.Get("ContextProvider.SubjectTypeSourceKey"),
		SubjectTypeValue:     form.Get("ContextProvider.SubjectTypeValue"),
	}
	defs, apiErr := stsMembers(form, "ContextProvider.KeyDefinitionList")
	if apiErr != nil {
		return nil, apiErr
	}
	for _, d := range defs {
		c.KeyDefinitions = append(c.KeyDefinitions, KeyDefinition{SourceKey: d["SourceKey"], TargetKey: d["TargetKey"]})
	}
	return c, iamValidateContext(*c)
}

func (a *AWS) iamCreateOIDCProvider(form url.Values) (any, *awsAPIError) {
	p := oidcProvider{URL: form.Get("Url"), IdentityCenterInstanceARN: form.Get("IdentityCenterInstanceArn"), Created: a.now()}
	var apiErr *awsAPIError
	if p.ClientIDs, apiErr = stsScalarMembers(form, "ClientIDList"); apiErr != nil {
		return nil, apiErr
	}
	if p.Thumbprints, apiErr = stsScalarMembers(form, "ThumbprintList"); apiErr != nil {
		return nil, apiErr
	}
	if p.Context, apiErr = iamParseContext(form); apiErr != nil {
		return nil, apiErr
	}
	if apiErr := a.iamValidateOIDCProvider(p); apiErr != nil {
		return nil, apiErr
	}
	arn := a.OIDCProviderARNFor(p.URL)
	a.iam.mu.Lock()
	defer a.iam.mu.Unlock()
	if _, exists := a.iam.providers[arn]; exists {
		return nil, awsErr(http.StatusConflict, "EntityAlreadyExists", "Provider with url %s already exists.", p.URL)
	}
	a.iam.providers[arn] = &p
	return struct {
		XMLName                  xml.Name `xml:"CreateOpenIDConnectProviderResult"`
		OpenIDConnectProviderArn string
	}{OpenIDConnectProviderArn: arn}, nil
}

type iamContextXML struct {
	KeyDefinitionList    []iamKeyDefinitionXML `xml:"KeyDefinitionList>member,omitempty"`
	SubjectSourceKey     string
	SubjectTypeSourceKey string `xml:",omitempty"`
	SubjectTypeValue     string `xml:",omitempty"`
}

type iamKeyDefinitionXML struct {
	SourceKey string
	TargetKey string `xml:",omitempty"`
}

type iamGetOIDCProviderResult struct {
	XMLName                   xml.Name `xml:"GetOpenIDConnectProviderResult"`
	ClientIDList              []string `xml:"ClientIDList>member"`
	ContextProvider           *iamContextXML
	CreateDate                string
	IdentityCenterInstanceArn string   `xml:",omitempty"`
	IdentityStoreArn          string   `xml:",omitempty"`
	ThumbprintList            []string `xml:"ThumbprintList>member"`
	Url                       string   //nolint:revive // the wire name
}

func (a *AWS) iamGetOIDCProvider(form url.Values) (any, *awsAPIError) {
	arn := form.Get("OpenIDConnectProviderArn")
	p, ok := a.oidcProviderConfig(arn)
	if !ok {
		return nil, iamNoSuchProvider(arn)
	}
	res := iamGetOIDCProviderResult{ClientIDList: p.ClientIDs, CreateDate: awsISO(p.Created),
		ThumbprintList: p.Thumbprints, Url: iamProviderHost(p.URL), IdentityCenterInstanceArn: p.IdentityCenterInstanceARN}
	if p.IdentityCenterInstanceARN != "" {
		res.IdentityStoreArn = "arn:aws:identitystore::" + a.opts.AccountID + ":identitystore/" + awsIdentityStoreID
	}
	if c := p.Context; c != nil {
		res.ContextProvider = &iamContextXML{SubjectSourceKey: c.SubjectSourceKey, SubjectTypeSourceKey: c.SubjectTypeSourceKey, SubjectTypeValue: c.SubjectTypeValue}
		for _, d := range c.KeyDefinitions {
			res.ContextProvider.KeyDefinitionList = append(res.ContextProvider.KeyDefinitionList, iamKeyDefinitionXML(d))
		}
	}
	return res, nil
}

func iamNoSuchProvider(arn string) *awsAPIError {
	return awsErr(http.StatusNotFound, "NoSuchEntity", "OpenIDConnect Provider not found for arn %s", arn)
}

// iamUpdateOIDCProvider sets or removes the context provider or the Identity
// Center link: one of the two per request, a value or its Remove flag, the
// link removed before the context provider (iam UpdateOpenIDConnectProvider).
func (a *AWS) iamUpdateOIDCProvider(form url.Values) (any, *awsAPIError) {
	arn := form.Get("OpenIDConnectProviderArn")
	ctx, apiErr := iamParseContext(form)
	if apiErr != nil {
		return nil, apiErr
	}
	removeCtx, removeLink := form.Get("RemoveContextProvider") == "true", form.Get("RemoveIdentityCenterInstance") == "true"
	link := form.Get("IdentityCenterInstanceArn")
	changesCtx, changesLink := ctx != nil || removeCtx, link != "" || removeLink
	switch {
	case ctx != nil && removeCtx:
		return nil, awsErr(http.StatusBadRequest, "InvalidInput", "Specify either ContextProvider or RemoveContextProvider, but not both.")
	case link != "" && removeLink:
		return nil, awsErr(http.StatusBadRequest, "InvalidInput", "Specify either IdentityCenterInstanceArn or RemoveIdentityCenterInstance, but not both.")
	case changesCtx && changesLink:
		return nil, awsErr(http.StatusBadRequest, "InvalidInput", "A single request can change either the context provider or the IAM Identity Center association, but not both.")
	case !changesCtx && !changesLink:
		return nil, awsErr(http.StatusBadRequest, "InvalidInput", "Specify a context provider or IAM Identity Center setting to update.")
	}
	a.iam.mu.Lock()
	defer a.iam.mu.Unlock()
	p, ok := a.iam.providers[arn]
	if !ok {
		return nil, iamNoSuchProvider(arn)
	}
	switch {
	case removeCtx && p.IdentityCenterInstanceARN != "":
		return nil, awsErr(http.StatusBadRequest, "InvalidInput", "Remove the IAM Identity Center association before removing the context provider.")
	case removeCtx:
		p.Context = nil
	case ctx != nil:
		p.Context = ctx
	case removeLink:
		p.IdentityCenterInstanceARN = ""
	default:
		if apiErr := a.iamValidateLink(link, p.Context != nil); apiErr != nil {
			return nil, apiErr
		}
		p.IdentityCenterInstanceARN = link
	}
	return nil, nil
}

type iamRoleXML struct {
	Path                     string
	RoleName                 string
	RoleId                   string //nolint:revive // the wire name
	Arn                      string
	CreateDate               string
	AssumeRolePolicyDocument string
	MaxSessionDuration       int
}

// iamGetRole returns a role; like IAM, the trust policy is URL-encoded
// (clients must decode it; the SDK does not).
func (a *AWS) iamGetRole(form url.Values) (any, *awsAPIError) {
	name := form.Get("RoleName")
	r, ok := a.roleByARN(a.roleARN(name))
	if !ok || name == "" {
		return nil, awsErr(http.StatusNotFound, "NoSuchEntity", "The role with name %s cannot be found.", name)
	}
	arn := a.roleARN(name)
	return struct {
		XMLName xml.Name `xml:"GetRoleResult"`
		Role    iamRoleXML
	}{Role: iamRoleXML{Path: "/", RoleName: name, RoleId: awsRoleID(arn), Arn: arn, CreateDate: awsISO(r.Created),
		AssumeRolePolicyDocument: iamEncodePolicy(r.TrustPolicy), MaxSessionDuration: int(r.MaxSessionDuration / time.Second)}}, nil
}

// iamEncodePolicy percent-encodes a policy document the way IAM returns
// it (RFC 3986: spaces as %20, not +).
func iamEncodePolicy(doc string) string {
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}
