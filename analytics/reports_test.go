package analytics

import (
	"reflect"
	"testing"
	"time"
)

func TestOperatingSystem(t *testing.T) {
	for ua, want := range map[string]string{
		"": "Unknown",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit": "iOS",
		"Mozilla/5.0 (Linux; Android 14; Pixel 8)":                           "Android",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64)":                          "Windows",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0)":                       "macOS",
		"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0)":                           "ChromeOS",
		"Mozilla/5.0 (X11; Linux x86_64)":                                    "Linux",
		"curl/8.0":                                                           "Other",
	} {
		if got := OperatingSystem(ua); got != want {
			t.Errorf("OperatingSystem(%q) = %q, want %q", ua, got, want)
		}
	}
}

func TestRegroupSumsWhatMapsTogether(t *testing.T) {
	got := regroup([]Count{{"2026-01-01", "Mozilla/5.0 (Windows NT 10.0)", 2}, {"2026-01-01", "Mozilla/5.0 (Windows NT 6.1)", 3},
		{"2025-12-31", "", 1}}, OperatingSystem)
	want := []Count{{"2025-12-31", "Unknown", 1}, {"2026-01-01", "Windows", 5}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("regroup: %v, want %v", got, want)
	}
}

func TestWeekOf(t *testing.T) {
	for in, want := range map[string]string{
		"2026-01-01T12:00:00Z": "2025-12-29", // Thursday: the week began in the old year
		"2025-12-29T00:00:00Z": "2025-12-29", // Monday itself
		"2026-01-04T23:59:59Z": "2025-12-29", // Sunday ends it
		"2026-01-05T00:00:00Z": "2026-01-05",
	} {
		at, _ := time.Parse(time.RFC3339, in)
		if got := WeekOf(at).Format(time.DateOnly); got != want {
			t.Errorf("WeekOf(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestRetentionShares(t *testing.T) {
	r := Range{Start: time.Date(2025, 12, 29, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 1, 12, 0, 0, 0, 0, time.UTC)}
	cells := []Pair{{"2025-12-29", "2025-12-29", 4}, {"2025-12-29", "2026-01-05", 1}, {"2026-01-05", "2026-01-05", 3}}
	sizes := []Count{{Key: "2026-01-05", N: 3}, {Key: "2025-12-29", N: 4}}
	got := retention(Cohorts{Cells: cells, Sizes: sizes}, r)
	want := []Retention{{"2025-12-29", "2025-12-29", 100}, {"2025-12-29", "2026-01-05", 25}, {"2026-01-05", "2026-01-05", 100}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("retention: %v, want %v", got, want)
	}
}

func TestWeekDaysShares(t *testing.T) {
	got := weekDays([]Count{{Key: "1", N: 2}, {Key: "3", N: 1}})
	if len(got) != 7 || got[0] != (WeekDays{1, 2, 66.67}) || got[2] != (WeekDays{3, 1, 33.33}) || got[6] != (WeekDays{7, 0, 0}) {
		t.Fatalf("weekDays: %v", got)
	}
}
