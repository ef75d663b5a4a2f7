package logthrottle

import (
	"fmt"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// TestAllow: 50 failures in a row are one line; the first after the
// window is a line saying how many were left out; another key is rated
// on its own.
func TestAllow(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	th := New(30*time.Second, c.now)
	lines := 0
	for i := range 50 {
		ok, n := th.Allow("env|google|token")
		if ok {
			lines++
			if n != 0 {
				t.Errorf("failure %d: %d said left out on the first line", i, n)
			}
		}
		c.t = c.t.Add(100 * time.Millisecond)
	}
	if lines != 1 {
		t.Fatalf("%d lines for 50 failures within the window, want 1", lines)
	}
	if ok, _ := th.Allow("env|github|token"); !ok {
		t.Error("another key was held back by the first")
	}
	c.t = c.t.Add(25 * time.Second) // 30 s after the first line
	ok, n := th.Allow("env|google|token")
	if !ok || n != 49 {
		t.Fatalf("after the window: logged %v, %d left out, want true, 49", ok, n)
	}
	if ok, _ := th.Allow("env|google|token"); ok {
		t.Error("a second line within the new window")
	}
}

// TestAllowBounded: a flood of distinct keys neither grows the throttle
// past maxKeys nor is held back (each is a first failure).
func TestAllowBounded(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	th := New(30*time.Second, c.now)
	for i := range 3 * maxKeys {
		if ok, _ := th.Allow(fmt.Sprint("key-", i)); !ok {
			t.Fatalf("key %d held back", i)
		}
	}
	if n := len(th.keys); n > maxKeys {
		t.Fatalf("%d keys kept, want at most %d", n, maxKeys)
	}
	c.t = c.t.Add(30 * time.Second)
	th.Allow("late")
	if n := len(th.keys); n != 1 {
		t.Fatalf("%d keys kept after their windows, want the one new", n)
	}
}
