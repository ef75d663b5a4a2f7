package webhooks

import (
	"fmt"
	"strings"
	"time"
)

// Schedule is the wait before each retry: Schedule[i] separates attempt
// i+1 from attempt i+2, so a message gets len(Schedule)+1 attempts.
type Schedule []time.Duration

// LiveSchedule is Dynamic's live retry schedule: a first try and five
// retries at 15 s, 1 min, 10 min, 1 h and 1 day.
var LiveSchedule = Schedule{15 * time.Second, time.Minute, 10 * time.Minute, time.Hour, 24 * time.Hour}

// SandboxSchedule is the sandbox one: two retries, three attempts within
// about a minute.
var SandboxSchedule = Schedule{20 * time.Second, 40 * time.Second}

// Jitter is the largest fraction a retry's wait is moved by either way, so
// that the retries of many messages failing together do not arrive at the
// endpoint together.
const Jitter = 0.1

// Attempts is how many attempts a message gets in all.
func (s Schedule) Attempts() int { return len(s) + 1 }

// Next returns when to make the next attempt after attempt number made
// (1-based) failed at now, or false when the schedule is spent. rnd returns
// a number in [0, 1) and spreads the wait by ±Jitter.
func (s Schedule) Next(made int, now time.Time, rnd func() float64) (time.Time, bool) {
	if made < 1 || made > len(s) {
		return time.Time{}, false
	}
	wait := s[made-1]
	spread := time.Duration(float64(wait) * Jitter * (2*rnd() - 1))
	return now.Add(wait + spread), true
}

// ParseSchedule reads a comma-separated list of Go durations ("15s,1m,10m");
// an empty string is a schedule without retries.
func ParseSchedule(v string) (Schedule, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return Schedule{}, nil
	}
	var s Schedule
	for _, f := range strings.Split(v, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("retry schedule %q: %w", v, err)
		}
		if d <= 0 {
			return nil, fmt.Errorf("retry schedule %q: waits must be positive", v)
		}
		s = append(s, d)
	}
	return s, nil
}

// String writes the schedule as ParseSchedule reads it.
func (s Schedule) String() string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = d.String()
	}
	return strings.Join(parts, ",")
}
