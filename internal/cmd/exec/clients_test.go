package exec_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// goSDKClientEnv makes the test binary act as a Go SDK client inside
// `exec --server` (the re-exec pattern of os/exec's own tests).
const goSDKClientEnv = "TIP_TEST_GOSDK_CLIENT"

func TestMain(m *testing.M) {
	if os.Getenv(goSDKClientEnv) == "1" {
		os.Exit(goSDKClient())
	}
	os.Exit(m.Run())
}

// goSDKClient is a long-running Go SDK v2 program with the default
// credential chain: for each phase it waits for $SYNC/go-PHASE, retrieves
// credentials, calls GetCallerIdentity and reports
// "gosdk PHASE ACCESS_KEY ARN" (or "gosdk PHASE ERROR message") on stdout
// and in $SYNC/report.goPID.PHASE.
func goSDKClient() int {
	ctx := context.Background()
	sync := os.Getenv("SYNC")
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		fmt.Printf("gosdk 0 ERROR %v\n", err)
		return 1
	}
	client := sts.NewFromConfig(cfg)
	for ph := 0; ph < phases; ph++ {
		for {
			if _, err := os.Stat(filepath.Join(sync, fmt.Sprintf("go-%d", ph))); err == nil {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		line := goSDKCall(ctx, cfg, client, ph)
		fmt.Println(line)
		tmp := filepath.Join(sync, fmt.Sprintf("tmp.go%d.%d", os.Getpid(), ph))
		if err := os.WriteFile(tmp, []byte(line+"\n"), 0o600); err != nil {
			return 1
		}
		if err := os.Rename(tmp, filepath.Join(sync, fmt.Sprintf("report.go%d.%d", os.Getpid(), ph))); err != nil {
			return 1
		}
	}
	return 0
}

func goSDKCall(ctx context.Context, cfg aws.Config, client *sts.Client, ph int) string {
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return fmt.Sprintf("gosdk %d ERROR %v", ph, err)
	}
	out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return fmt.Sprintf("gosdk %d ERROR %v", ph, err)
	}
	return fmt.Sprintf("gosdk %d %s %s", ph, creds.AccessKeyID, aws.ToString(out.Arn))
}
