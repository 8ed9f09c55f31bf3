package cfn

import (
	"testing"

	"github.com/tip-cli/tip-cli/internal/cfn/cfntest"
)

// TestCfnLint lints the golden templates with cfn-lint; opt-in with
// TIP_TEST_CFN_LINT=1 (see cfntest.Lint).
func TestCfnLint(t *testing.T) { cfntest.Lint(t) }
