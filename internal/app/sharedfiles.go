package app

import (
	"fmt"
	"os"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/tip-cli/tip-cli/internal/safefile"
)

// maxSharedFileBytes bounds the AWS shared config and credentials files;
// real ones are a few KB.
const maxSharedFileBytes = 16 << 20

// checkSharedFiles refuses the AWS shared config and credentials files
// before the SDK reads them by name when they would hang it (a FIFO) or
// exhaust memory (/dev/zero, a huge file): the SDK opens them blocking and
// reads them whole. /dev/null, the usual "no file", is fine. getenv reads
// AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE as the SDK does.
func checkSharedFiles(getenv func(string) string) error {
	for _, p := range []struct{ env, def string }{
		{"AWS_CONFIG_FILE", awsconfig.DefaultSharedConfigFilename()},
		{"AWS_SHARED_CREDENTIALS_FILE", awsconfig.DefaultSharedCredentialsFilename()},
	} {
		path := getenv(p.env)
		if path == "" {
			path = p.def
		}
		if path == os.DevNull {
			continue
		}
		if err := safefile.Check(path, maxSharedFileBytes); err != nil {
			return fmt.Errorf("load AWS configuration: %w", err)
		}
	}
	return nil
}
