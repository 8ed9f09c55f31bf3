// Package s3ag decides which cached S3 Access Grants credentials can serve
// a request; the GetDataAccess client itself is in s3ag/dataaccess, so this
// package stays free of the AWS SDK for the lean credential_process binary.
//
// It parses and validates S3 URIs, permissions and privileges before any
// network call, implements the grant-scope semantics of S3 Access Grants
// (s3://bucket/*, s3://bucket/prefix/*, s3://bucket/prefix*, one object;
// only a trailing "*" is a wildcard), and looks grants up in, and stores
// them into, the cached grants (cred.Grant, kept in the store bundle). It
// never prints and knows nothing of the command layer.
package s3ag
