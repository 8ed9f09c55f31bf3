// Package awsemu is the sandbox's AWS: one loopback endpoint that verifies
// SigV4 like AWS, keeps the credentials it issued, and serves the services
// of the trusted identity propagation chain: STS (sts*.go), SSO OIDC
// CreateTokenWithIAM (ssooidc.go), S3 Control GetDataAccess and the access
// grants (s3control*.go), SSO Admin and IdentityStore (ssoadmin*.go,
// identitystore.go, installed with InstallIdentityCenter), the console
// federation endpoint (federation.go) and IAM for TIP for IAM federation:
// OIDC providers with context providers and roles (iam*.go), which
// AssumeRoleWithWebIdentity (sts_webidentity.go) honours. aws*.go and sigv4.go are the core:
// listener, dispatch, errors and the credentials registry; hooks.go holds
// what tests use to steer it (FailNext, SetDelay, Counts, Requests).
// extend.go is the seam other emulators (sandbox/brokeremu) plug into.
package awsemu
