package sdksettings

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

type countingStore struct {
	puts int
	last *Report
}

func (c *countingStore) PutSDKSettings(_ context.Context, r *Report) error {
	c.puts++
	c.last = r
	return nil
}

func (c *countingStore) GetSDKSettings(context.Context, string) (*Report, error) {
	if c.last == nil {
		return nil, ErrNotReported
	}
	return c.last, nil
}

// The widget reports on every page load: the same report is written once
// an hour, a changed one at once.
func TestUnchangedReportsAreNotRewritten(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	st := &countingStore{}
	s := New(st, func() time.Time { return now })
	ctx := context.Background()
	a, b := json.RawMessage(`{"dynamicContextProps":{"x":1}}`), json.RawMessage(`{"dynamicContextProps":{"x":2}}`)
	steps := []struct {
		advance  time.Duration
		env      string
		settings json.RawMessage
		origin   string
		puts     int
	}{
		{0, "e1", a, "o", 1},
		{time.Minute, "e1", a, "o", 1},           // same: skipped
		{time.Minute, "e2", a, "o", 2},           // another environment
		{time.Minute, "e1", a, "other", 3},       // another origin
		{time.Minute, "e1", b, "other", 4},       // changed
		{time.Minute, "e1", b, "other", 4},       // same again
		{time.Hour, "e1", b, "other", 5},         // an hour on: refreshed
		{time.Second, "e1", []byte(`[]`), "", 5}, // not an object: refused
	}
	for i, st2 := range steps {
		now = now.Add(st2.advance)
		err := s.Log(ctx, st2.env, st2.settings, st2.origin, "ua")
		if (err != nil) != (string(st2.settings) == "[]") {
			t.Fatalf("step %d: %v", i, err)
		}
		if st.puts != st2.puts {
			t.Fatalf("step %d: %d writes, want %d", i, st.puts, st2.puts)
		}
	}
	if got, _ := s.Latest(ctx, "e1"); string(got.Settings) != string(b) || !got.ReportedAt.Equal(now.Add(-time.Second)) {
		t.Fatalf("latest = %+v", got)
	}
}
