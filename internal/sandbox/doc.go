// Package sandbox runs the trusted identity propagation chain on loopback
// for tests, `tip-cli demo` and end-to-end runs with the real AWS CLI: Start
// wires an IdP emulator (sandbox/idpemu) to the AWS emulation
// (sandbox/awsemu) that trusts it, with a healthy Identity Center.
//
// The emulators live in one package per party:
//
//   - idpemu: the workforce OpenID Connect provider and a fake browser.
//   - awsemu: the AWS endpoint: SigV4, the credentials registry, the
//     dispatch (STS awsQuery, awsJson targets, REST routes), the test hooks,
//     and the services of the chain (STS, SSO OIDC CreateTokenWithIAM, S3
//     Control GetDataAccess with the grants, SSO Admin, IdentityStore,
//     console federation, IAM OIDC providers with context providers and
//     roles for TIP for IAM federation).
//   - brokeremu: what only tip-broker needs: API Gateway with the Lambda
//     runtime API, the application token issuer, IAM roles with trust and
//     permission policies, S3 objects, presigned GetCallerIdentity and the
//     broker scenario. It plugs into awsemu through awsemu's extension seam
//     (HandleRoute, SetRoles), so tip-cli, which imports this package, does
//     not link it.
package sandbox
