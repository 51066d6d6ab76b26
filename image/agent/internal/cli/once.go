package cli

import (
	"context"
	"fmt"
	"io"
	"os/signal"
	"strings"
	"syscall"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/logx"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/records"
)

// OutcomePrefix starts the last line of a one-shot run; the component reads it
// (components/plan/outcome.ts) to fail `pulumi up` with the run's own reason.
const OutcomePrefix = "OUTCOME: "

// once backs up every model now, one after the other, and succeeds only when every
// model's archive of this run is verified in the bucket.
func once(d *Deployment, log *logx.Logger, out io.Writer, trigger string) int {
	if err := d.Ready("once"); err != nil {
		log.Error("%v", err)
		fmt.Fprintf(out, "%sfailed: %v\n", OutcomePrefix, err)
		return 1
	}
	recoverInterrupted(d.Records, modelNames(d.Config), log)
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer cancel()
	runner := d.Runner(log)
	var failures []string
	for _, m := range d.Config.Models {
		result := runner.Run(ctx, m.Name, trigger, true)
		if result.Outcome != records.Succeeded {
			failures = append(failures, result.Line())
		}
	}
	if len(failures) > 0 {
		fmt.Fprintf(out, "%sfailed: %s\n", OutcomePrefix, strings.Join(failures, "; "))
		return 1
	}
	fmt.Fprintf(out, "%ssucceeded\n", OutcomePrefix)
	return 0
}
