package sqlite

import (
	"os"
	"runtime"
)

// RaiseProcs gives the process one P (GOMAXPROCS) more than Go's default
// for it, unless the GOMAXPROCS variable sets it, and returns the setting
// now in force; called again, it sets the same. For a server's main, on
// the measure below: an application embedding the store decides for its
// own process.
//
// Every commit waits in fsync inside a system call, and Go lends the P
// of a thread in a system call to another thread only once its monitor
// notices, from 20µs to 10ms later. On two cores each commit can leave
// half the CPU idle meanwhile, while sign-ins wait to sign their tokens.
// With RS256 (two RSA signatures, most of a sign-in's CPU) one P more
// keeps both cores busy: perf/signin SQLite/RS256, four runs of each
// alternated, idle under full load 7-9% -> 2-5%, ratio to the sign-in
// transaction's floor 0.86-0.88 -> 0.88-0.92. With
// ES256 the single writer bounds the rate, and a third thread competing
// with it for the two cores cost sign-ins (about 9% fewer), so
// cmd/dynamicauth raises it only when signing with RS256.
func RaiseProcs() int {
	if os.Getenv("GOMAXPROCS") != "" {
		return runtime.GOMAXPROCS(0)
	}
	runtime.SetDefaultGOMAXPROCS()
	n := runtime.GOMAXPROCS(0) + 1
	runtime.GOMAXPROCS(n)
	return n
}
