// Package safe runs the bodies of goroutines a request starts: net/http
// recovers a panic in a handler's own goroutine, not in one the handler
// started, where a panic ends the whole process (one malformed answer of a
// remote node parsed there would take every tenant down).
package safe

import (
	"fmt"
	"runtime/debug"
)

// Call runs fn and returns its error, or its panic as an error carrying
// the panic's value and stack (for the operator's log; clients see an
// internal error).
func Call(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	return fn()
}
