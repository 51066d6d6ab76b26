package schedule

import (
	"context"
	"sync"
	"time"
)

// Job is one model's schedule.
type Job struct {
	Model string
	Spec  Spec
}

// Tick is called at each scheduled time, in its own goroutine; it decides itself
// whether to run (the model's lock) and returns when the run is over.
type Tick func(ctx context.Context, model string, scheduledAt time.Time)

// Scheduler fires every job's ticks until its context ends.
type Scheduler struct {
	Jobs     []Job
	Location *time.Location
	Tick     Tick
	// OnNext is told each job's next run (for the heartbeat and status).
	OnNext func(model string, next time.Time)
	// Now is the clock (tests); nil: time.Now.
	Now func() time.Time

	running sync.WaitGroup
}

func (s *Scheduler) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Run schedules until ctx is done (SIGTERM), then returns without waiting for the
// runs in progress: Wait does that, with the caller's grace period.
func (s *Scheduler) Run(ctx context.Context, runCtx context.Context) {
	var loops sync.WaitGroup
	for _, job := range s.Jobs {
		loops.Add(1)
		go func(job Job) {
			defer loops.Done()
			s.loop(ctx, runCtx, job)
		}(job)
	}
	loops.Wait()
}

func (s *Scheduler) loop(ctx context.Context, runCtx context.Context, job Job) {
	last := s.now().In(s.Location)
	for {
		next := job.Spec.Next(last)
		if next.IsZero() {
			return
		}
		if s.OnNext != nil {
			s.OnNext(job.Model, next)
		}
		timer := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
		// Skip ahead from the planned time, never from "now": a late wake-up (a
		// suspended host) fires once, not once per missed tick.
		last = next
		if now := s.now().In(s.Location); now.Sub(next) > time.Minute {
			last = now
		}
		s.running.Add(1)
		go func(at time.Time) {
			defer s.running.Done()
			s.Tick(runCtx, job.Model, at)
		}(next)
	}
}

// Go runs fn as a run the scheduler waits for on shutdown (a backup at start).
func (s *Scheduler) Go(fn func()) {
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		fn()
	}()
}

// Wait waits for the runs in progress, at most grace; it reports whether they all ended.
func (s *Scheduler) Wait(grace time.Duration) bool {
	done := make(chan struct{})
	go func() {
		s.running.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(grace):
		return false
	}
}
