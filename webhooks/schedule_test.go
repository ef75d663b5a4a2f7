package webhooks

import (
	"testing"
	"time"
)

func TestScheduleNext(t *testing.T) {
	now := time.Date(2026, 12, 31, 23, 59, 50, 0, time.UTC)
	s := LiveSchedule
	if s.Attempts() != 6 {
		t.Fatalf("live attempts = %d, want 6 (a first try and 5 retries)", s.Attempts())
	}
	if SandboxSchedule.Attempts() != 3 {
		t.Fatalf("sandbox attempts = %d, want 3", SandboxSchedule.Attempts())
	}
	for made, want := range map[int]time.Duration{1: 15 * time.Second, 2: time.Minute, 3: 10 * time.Minute, 4: time.Hour, 5: 24 * time.Hour} {
		for _, r := range []struct {
			rnd    float64
			factor float64
		}{{0.5, 1}, {0, 1 - Jitter}, {0.999999999, 1 + Jitter}} {
			got, ok := s.Next(made, now, func() float64 { return r.rnd })
			if !ok {
				t.Fatalf("after attempt %d: no next attempt", made)
			}
			wantAt := now.Add(time.Duration(float64(want) * r.factor))
			if d := got.Sub(wantAt); d < -time.Millisecond || d > time.Millisecond {
				t.Errorf("after attempt %d, rnd %v: next at %v, want %v", made, r.rnd, got, wantAt)
			}
		}
	}
	for _, made := range []int{0, 6, 7} {
		if _, ok := s.Next(made, now, func() float64 { return 0.5 }); ok {
			t.Errorf("after attempt %d: a next attempt, want none", made)
		}
	}
}

func TestParseSchedule(t *testing.T) {
	s, err := ParseSchedule(" 10ms, 1s,2m ")
	if err != nil {
		t.Fatal(err)
	}
	if s.String() != "10ms,1s,2m0s" {
		t.Fatalf("parsed %v", s)
	}
	if s, err := ParseSchedule(""); err != nil || len(s) != 0 || s == nil {
		t.Fatalf("empty: %v %v", s, err)
	}
	for _, bad := range []string{"1x", "1s,,2s", "-1s", "0s"} {
		if _, err := ParseSchedule(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}
