package jobs_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"frontline/jobs"
)

// Each job runs at start, then at its own interval; a failing one goes on at its next turn;
// Run returns when its context ends.
func TestRun(t *testing.T) {
	var fast, slow, failing atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		jobs.Run(ctx, nil, []jobs.Job{
			{Name: "fast", Every: 20 * time.Millisecond, Run: func(context.Context) error { fast.Add(1); return nil }},
			{Name: "slow", Every: time.Hour, Run: func(context.Context) error { slow.Add(1); return nil }},
			{Name: "failing", Every: 20 * time.Millisecond, Run: func(context.Context) error { failing.Add(1); return errors.New("down") }},
		})
	}()
	deadline := time.Now().Add(5 * time.Second)
	for fast.Load() < 3 || failing.Load() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("fast ran %d times, failing %d", fast.Load(), failing.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return when its context ended")
	}
	if slow.Load() != 1 {
		t.Fatalf("the hourly job ran %d times, want once at start", slow.Load())
	}
}
