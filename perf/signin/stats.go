package main

import (
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// result is one phase's completed sign-ins and their latencies.
type result struct {
	n, errors     int
	first, repeat int
	elapsed       time.Duration
	lat           []time.Duration
	idle          float64
	cpu           cpuUse        // of the server and of this process, during the phase
	db            time.Duration // of PostgreSQL's backends serving the phase
	dbOK          bool          // db was read
	firstErr      string
}

func (r *result) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.n) / r.elapsed.Seconds()
}

func (r *result) quantile(q float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	slices.Sort(r.lat)
	return r.lat[min(len(r.lat)-1, int(q*float64(len(r.lat))))]
}

func (r *result) merge(o *result) {
	r.n += o.n
	r.errors += o.errors
	r.first += o.first
	r.repeat += o.repeat
	r.lat = append(r.lat, o.lat...)
	if r.firstErr == "" {
		r.firstErr = o.firstErr
	}
}

func numCPU() int { return runtime.GOMAXPROCS(0) }

// idleMeter reads the machine's idle CPU share between two /proc/stat
// samples (0 where /proc is missing).
type idleMeter struct{ idle, total uint64 }

func startIdle() idleMeter {
	i, t := cpuTimes()
	return idleMeter{i, t}
}

func (m idleMeter) share() float64 {
	i, t := cpuTimes()
	if t <= m.total {
		return 0
	}
	return float64(i-m.idle) / float64(t-m.total)
}

func cpuTimes() (idle, total uint64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	for i, v := range f[1:] {
		n, _ := strconv.ParseUint(v, 10, 64)
		total += n
		if i == 3 || i == 4 { // idle, iowait
			idle += n
		}
	}
	return idle, total
}

// cpuUse is CPU time spent by the server process and by this one.
type cpuUse struct{ server, self time.Duration }

// procCPU reads a process's user+system CPU time from /proc (0 where
// /proc is missing).
func procCPU(pid int) time.Duration {
	t, _ := procCPUOk(pid)
	return t
}

// procCPUOk is procCPU, and whether the process could be read.
func procCPUOk(pid int) (time.Duration, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	f := strings.Fields(s)
	if len(f) < 13 {
		return 0, false
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100, true // USER_HZ
}

type cpuMeter struct {
	pid          int
	server, self time.Duration
}

func startCPU(pid int) cpuMeter {
	return cpuMeter{pid: pid, server: procCPU(pid), self: procCPU(os.Getpid())}
}

func (m cpuMeter) used() cpuUse {
	return cpuUse{server: procCPU(m.pid) - m.server, self: procCPU(os.Getpid()) - m.self}
}

// loadAverage is the machine's one-minute load average ("-" without /proc).
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "-"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "-"
	}
	return f[0]
}
