// Package iamoidc names IAM OIDC identity providers the way IAM does: the
// provider URL in ARNs and trust-condition keys, the provider ARN of an
// issuer in a role's account, and the AWS CLI call that gives a provider a
// context provider (TIP for IAM federation). The CloudFormation templates,
// the exchange's refusal message and diag all word these alike through
// here. Standard library only.
package iamoidc

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// ProviderURL is how IAM names an issuer in OIDC provider ARNs and trust
// condition keys (<url>:aud): host and path, no scheme, no trailing slash
// ("https://x.okta.com/oauth2/default" → "x.okta.com/oauth2/default").
func ProviderURL(issuer string) string {
	u, err := url.Parse(issuer)
	if err != nil {
		return issuer
	}
	return strings.TrimSuffix(u.Host+u.Path, "/")
}

// ProviderARN is the IAM OIDC provider ARN for issuer in the partition and
// account of roleARN: arn:PARTITION:iam::ACCOUNT:oidc-provider/URL.
func ProviderARN(roleARN, issuer string) string {
	parts := strings.SplitN(roleARN, ":", 6)
	partition, account := "aws", "ACCOUNT_ID"
	if len(parts) == 6 {
		partition, account = parts[1], parts[4]
	}
	return fmt.Sprintf("arn:%s:iam::%s:oidc-provider/%s", partition, account, ProviderURL(issuer))
}

// ContextProviderCommand is the AWS CLI call that makes an IAM OIDC provider
// attach the person to its sessions: the subject from the claim subjectKey,
// of subjectType ("user" or "workload"). CloudFormation has no property for
// it. Parameter names are botocore's spelling of the IAM model in the Go
// SDK's iam v1.68.0 (the AWS CLIs installed here predate the operation).
// subjectKey must be a valid SubjectSourceKey (A-Za-z0-9, inner spaces and
// _.:/=+-@#), which keeps it safe inside the single quotes.
func ContextProviderCommand(providerARN, subjectKey, subjectType string) string {
	doc, _ := json.Marshal(struct{ SubjectSourceKey, SubjectTypeValue string }{subjectKey, subjectType})
	return "aws iam update-open-id-connect-provider --open-id-connect-provider-arn " + providerARN + " --context-provider '" + string(doc) + "'"
}
