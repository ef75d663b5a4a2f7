package ratelimit

import (
	"fmt"
	"testing"
	"time"
)

func TestBucket(t *testing.T) {
	now := time.Unix(0, 0)
	l := New(func() time.Time { return now })
	rule := Rule{Burst: 3, Per: time.Minute}
	for i := 0; i < 3; i++ {
		if ok, _ := l.Allow("ip", rule); !ok {
			t.Fatalf("request %d refused within the burst", i)
		}
	}
	ok, wait := l.Allow("ip", rule)
	if ok || wait <= 0 || wait > 20*time.Second {
		t.Fatalf("4th request: ok=%v wait=%v, want refusal with ~20s", ok, wait)
	}
	if ok, _ := l.Allow("other-ip", rule); !ok {
		t.Fatal("another key shares the bucket")
	}
	now = now.Add(wait)
	if ok, _ := l.Allow("ip", rule); !ok {
		t.Fatal("refused after waiting the advertised time")
	}
	if ok, _ := l.Allow("ip", Rule{}); !ok {
		t.Fatal("a zero rule must allow")
	}
}

func TestSweepForgetsIdleCallers(t *testing.T) {
	now := time.Unix(0, 0)
	l := New(func() time.Time { return now })
	for i := 0; i < 1000; i++ {
		l.Allow(fmt.Sprint(i), Rule{Burst: 1, Per: time.Second})
	}
	now = now.Add(2 * time.Minute)
	l.Allow("late", Rule{Burst: 1, Per: time.Second})
	if len(l.buckets) != 1 {
		t.Fatalf("%d buckets kept, want 1", len(l.buckets))
	}
}
