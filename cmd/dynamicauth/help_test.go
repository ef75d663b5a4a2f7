package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
)

// TestSubcommandHelp: "<command> -h" lists the flags of a command with
// subcommands too, as the usage text promises.
func TestSubcommandHelp(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"keys", "-h"}, []string{"keys rotate", "-env"}},
		{[]string{"hostnames", "-h"}, []string{"hostnames list", "-json", "hostnames verify", "-hostname", "-failed"}},
	} {
		var stderr bytes.Buffer
		err := run(context.Background(), tc.args, io.Discard, &stderr)
		if !errors.Is(err, flag.ErrHelp) {
			t.Errorf("%v: %v, want flag.ErrHelp", tc.args, err)
		}
		for _, w := range tc.want {
			if !strings.Contains(stderr.String(), w) {
				t.Errorf("%v: help lacks %q:\n%s", tc.args, w, stderr.String())
			}
		}
	}
}
