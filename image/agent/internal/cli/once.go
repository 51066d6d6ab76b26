package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

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
	ctx, stopping, cancel := graceContext(d.Settings.Grace, log)
	defer cancel()
	runner := d.Runner(log)
	var failures []string
	for _, m := range d.Config.Models {
		if stopping.Err() != nil {
			failures = append(failures, fmt.Sprintf("%s: not started: the agent was stopped", m.Name))
			continue
		}
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

// graceContext: ctx ends grace after the first SIGTERM or SIGINT (a run in progress
// may finish within it, as in daemon mode); stopping ends at the signal itself.
func graceContext(grace time.Duration, log *logx.Logger) (ctx, stopping context.Context, cancel func()) {
	ctx, cancelRuns := context.WithCancel(context.Background())
	stopping, stop := context.WithCancel(context.Background())
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-signals:
			stop()
			log.Info("stopping (%v): no new runs; waiting up to %s for the run in progress", sig, grace)
			select {
			case <-time.After(grace):
			case <-done:
			}
			cancelRuns()
		case <-done:
		}
	}()
	return ctx, stopping, func() {
		signal.Stop(signals)
		close(done)
		stop()
		cancelRuns()
	}
}
