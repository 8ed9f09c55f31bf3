// Package s3ag obtains S3 Access Grants credentials (S3 Control
// GetDataAccess) and decides which cached grant can serve a request.
//
// It parses and validates S3 URIs, permissions and privileges before any
// network call, implements the grant-scope semantics of S3 Access Grants
// (s3://bucket/*, s3://bucket/prefix/*, s3://bucket/prefix*, one object;
// only a trailing "*" is a wildcard), and looks grants up in, and stores
// them into, the store.Grant cache. It never prints and knows nothing of
// the command layer.
package s3ag
