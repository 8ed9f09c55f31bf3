package deploy

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/tip-cli/tip-cli/internal/awsid"
)

// Defaults and limits of Options.
const (
	ArchARM64            = "arm64"
	ArchX8664            = "x86_64"
	DefaultMemorySize    = 256
	MinMemorySize        = 128
	MaxMemorySize        = 10240
	DefaultStage         = "prod"
	DefaultThrottleRate  = 50.0 // requests per second, whole stage
	DefaultThrottleBurst = 100
	MaxThrottleRate      = 10000.0 // API Gateway's default account quota
	MaxThrottleBurst     = 5000
	MaxAllowedAccounts   = 100
	maxS3KeyLen          = 1024
)

var (
	tableNameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{3,255}$`)
	stageRE     = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	bucketRE    = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
)

// Options select what the template contains. The zero value is valid: the
// code location then comes from the CodeBucket/CodeKey parameters.
type Options struct {
	// CodeS3Bucket and CodeS3Key locate the Lambda deployment package (a
	// zip holding `bootstrap`, the linux tip-broker binary). Both or
	// neither: when empty the template takes them from its CodeBucket and
	// CodeKey parameters.
	CodeS3Bucket, CodeS3Key string
	// TableName names the registry table; empty lets CloudFormation name
	// it (recommended: a fixed name blocks replacement and re-creation
	// while the retained table exists).
	TableName string
	// Architecture of the function: arm64 (default) or x86_64.
	Architecture string
	// MemorySize of the function in MB, 128..10240; 0 means 256.
	MemorySize int
	// Stage is the API Gateway stage name; empty means "prod".
	Stage string
	// ThrottleRate (requests per second) and ThrottleBurst limit the whole
	// stage, in front of the broker's own per-caller limit; 0 means 50/100.
	ThrottleRate  float64
	ThrottleBurst int
	// AllowedAccountIDs are other AWS accounts whose IAM roles may call the
	// API. Empty: only principals of the deploying account (AWS_IAM
	// authorization without a resource policy refuses other accounts).
	// Set: the API gets a resource policy admitting those accounts and the
	// broker role may assume roles in them.
	AllowedAccountIDs []string
}

// withDefaults validates o and fills in the defaults.
func (o Options) withDefaults() (Options, error) {
	if (o.CodeS3Bucket == "") != (o.CodeS3Key == "") {
		return o, fmt.Errorf("code location: set both the S3 bucket and key, or neither (template parameters)")
	}
	if o.CodeS3Bucket != "" && !bucketRE.MatchString(o.CodeS3Bucket) {
		return o, fmt.Errorf("bad code bucket %q: want an S3 bucket name (3-63 of a-z 0-9 . -)", o.CodeS3Bucket)
	}
	if len(o.CodeS3Key) > maxS3KeyLen || strings.ContainsFunc(o.CodeS3Key, isControl) {
		return o, fmt.Errorf("bad code key %q: want at most %d printable characters", o.CodeS3Key, maxS3KeyLen)
	}
	if o.TableName != "" && !tableNameRE.MatchString(o.TableName) {
		return o, fmt.Errorf("bad table name %q: want 3-255 of A-Z a-z 0-9 _ . -", o.TableName)
	}
	switch o.Architecture {
	case "":
		o.Architecture = ArchARM64
	case ArchARM64, ArchX8664:
	default:
		return o, fmt.Errorf("bad architecture %q: want %s or %s", o.Architecture, ArchARM64, ArchX8664)
	}
	if o.MemorySize == 0 {
		o.MemorySize = DefaultMemorySize
	}
	if o.MemorySize < MinMemorySize || o.MemorySize > MaxMemorySize {
		return o, fmt.Errorf("bad memory size %d: want %d..%d MB", o.MemorySize, MinMemorySize, MaxMemorySize)
	}
	if o.Stage == "" {
		o.Stage = DefaultStage
	}
	if !stageRE.MatchString(o.Stage) {
		return o, fmt.Errorf("bad stage name %q: want 1-128 of A-Z a-z 0-9 _ -", o.Stage)
	}
	return o.throttleAndAccounts()
}

func (o Options) throttleAndAccounts() (Options, error) {
	if o.ThrottleRate == 0 {
		o.ThrottleRate = DefaultThrottleRate
	}
	if o.ThrottleBurst == 0 {
		o.ThrottleBurst = DefaultThrottleBurst
	}
	if !(o.ThrottleRate > 0 && o.ThrottleRate <= MaxThrottleRate) {
		return o, fmt.Errorf("bad throttle rate %v: want > 0 and <= %v requests per second", o.ThrottleRate, MaxThrottleRate)
	}
	if o.ThrottleBurst < 0 || o.ThrottleBurst > MaxThrottleBurst {
		return o, fmt.Errorf("bad throttle burst %d: want 1..%d", o.ThrottleBurst, MaxThrottleBurst)
	}
	if len(o.AllowedAccountIDs) > MaxAllowedAccounts {
		return o, fmt.Errorf("too many allowed accounts (%d): at most %d", len(o.AllowedAccountIDs), MaxAllowedAccounts)
	}
	for i, a := range o.AllowedAccountIDs {
		if !awsid.IsAccountID(a) {
			return o, fmt.Errorf("bad allowed account id %q: want 12 digits", a)
		}
		if slices.Contains(o.AllowedAccountIDs[:i], a) {
			return o, fmt.Errorf("allowed account id %s listed twice", a)
		}
	}
	o.AllowedAccountIDs = slices.Clone(o.AllowedAccountIDs)
	return o, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
