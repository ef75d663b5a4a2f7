package safe

import (
	"errors"
	"strings"
	"sync"
	"testing"
)

func TestCall(t *testing.T) {
	want := errors.New("plain")
	if err := Call(func() error { return want }); err != want {
		t.Fatalf("error: %v, want it returned as is", err)
	}
	if err := Call(func() error { return nil }); err != nil {
		t.Fatalf("no error: %v", err)
	}
	// A panic in a goroutine of its own, as the callers run it: without
	// the recover the test binary itself would die.
	var wg sync.WaitGroup
	var err error
	wg.Go(func() {
		err = Call(func() error {
			var b []byte
			_ = b[7]
			return nil
		})
	})
	wg.Wait()
	if err == nil || !strings.Contains(err.Error(), "index out of range") || !strings.Contains(err.Error(), "safe_test.go") {
		t.Fatalf("panic: %v, want an error with the panic and its stack", err)
	}
}
