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

// terminationMessageLimit is what Kubernetes keeps of a termination message.
const terminationMessageLimit = 4096

// reportOutcome prints the outcome line and, in a Kubernetes pod
// (TERMINATION_MESSAGE_PATH, the container's terminationMessagePath), writes it as the
// container's termination message, so `kubectl get`/`describe` and anything reading
// the pod's status see why a run failed without reading its log.
func reportOutcome(out io.Writer, outcome string) {
	line := OutcomePrefix + outcome
	fmt.Fprintln(out, line)
	if path := os.Getenv("TERMINATION_MESSAGE_PATH"); path != "" {
		if len(line) > terminationMessageLimit {
			line = line[:terminationMessageLimit]
		}
		_ = os.WriteFile(path, []byte(line), 0o644)
	}
}

// once backs up every model now, one after the other, and succeeds only when every
// model's archive of this run is verified in the bucket.
func once(d *Deployment, log *logx.Logger, out io.Writer, trigger string) int {
	if err := d.Ready("once"); err != nil {
		log.Error("%v", err)
		reportOutcome(out, fmt.Sprintf("failed: %v", err))
		return 1
	}
	recoverInterrupted(d.Records, modelNames(d.Config), log)
	ctx, stopping, cancel := graceContext(d.Settings.Grace, log)
	defer cancel()
	runner := d.Runner(log)
	// A scheduler's tick (a CronJob's pod) skips a model whose run is in progress
	// elsewhere; `once` waits for it and then backs up.
	wait := trigger != "tick"
	var failures, skipped []string
	for _, m := range d.Config.Models {
		if stopping.Err() != nil {
			failures = append(failures, fmt.Sprintf("%s: not started: the agent was stopped", m.Name))
			continue
		}
		result := runner.Run(ctx, m.Name, trigger, wait)
		switch result.Outcome {
		case records.Succeeded:
		case records.Skipped:
			skipped = append(skipped, result.Line())
		default:
			failures = append(failures, result.Line())
		}
	}
	if len(failures) > 0 {
		reportOutcome(out, "failed: "+strings.Join(failures, "; "))
		return 1
	}
	if len(skipped) > 0 {
		reportOutcome(out, "succeeded (skipped: "+strings.Join(skipped, "; ")+")")
		return 0
	}
	reportOutcome(out, "succeeded")
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
