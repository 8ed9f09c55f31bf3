// Package brokeremu holds the sandbox emulators only tip-broker's tests and
// scripts need: API Gateway with the Lambda runtime API (apigateway*.go),
// the application's token issuer (appissuer.go), IAM roles with trust and
// permission policies (iamroles.go), S3 objects (s3object.go), presigned
// GetCallerIdentity (sts_presigned.go) and the broker scenario wiring them
// (brokerscenario.go). Its AWS embeds sandbox/awsemu's and plugs these in
// through awsemu's extension seam; tip-cli never links this package.
package brokeremu
