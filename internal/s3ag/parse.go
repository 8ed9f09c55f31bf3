package s3ag

import (
	"fmt"

	"github.com/tip-cli/tip-cli/internal/awsid"
)

// Input is a request as the user typed it (flags of s3ag get-data-access,
// exec --s3ag, serve --s3ag). Empty Privilege means Default; empty
// AccountID is resolved later from the session.
type Input struct {
	Target, Permission, Privilege, TargetType, AccountID string
	DurationSeconds                                      int32
}

// ParseRequest checks in locally, so malformed input never reaches the
// network, and returns the request it names. AccountID may stay empty.
func ParseRequest(in Input) (Request, error) {
	uri, err := ParseURI(in.Target)
	if err != nil {
		return Request{}, err
	}
	req := Request{Target: uri, DurationSeconds: in.DurationSeconds, AccountID: in.AccountID}
	if req.Permission, err = ParsePermission(in.Permission); err != nil {
		return req, err
	}
	if in.Privilege == "" {
		req.Privilege = PrivilegeDefault
	} else if req.Privilege, err = ParsePrivilege(in.Privilege); err != nil {
		return req, err
	}
	if req.TargetType, err = ParseTargetType(in.TargetType, uri); err != nil {
		return req, err
	}
	if d := in.DurationSeconds; d != 0 && (d < MinDurationSeconds || d > MaxDurationSeconds) {
		return req, fmt.Errorf("invalid --duration-seconds %d: must be %d-%d", d, MinDurationSeconds, MaxDurationSeconds)
	}
	if in.AccountID != "" {
		return req, awsid.ValidateAccountID(in.AccountID)
	}
	return req, nil
}
