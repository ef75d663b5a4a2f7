package balances

import (
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
)

func TestABIStrings(t *testing.T) {
	enc := func(s string) []byte {
		out := common.LeftPadBytes([]byte{0x20}, 32)
		out = append(out, common.LeftPadBytes(big.NewInt(int64(len(s))).Bytes(), 32)...)
		return append(out, common.RightPadBytes([]byte(s), (len(s)+31)/32*32)...)
	}
	for _, c := range []struct {
		in   []byte
		want string
	}{
		{enc("USD Coin"), "USD Coin"},
		{common.RightPadBytes([]byte("MKR"), 32), "MKR"}, // bytes32
		{enc("bad\x00\x07name"), "badname"},
		{enc(strings.Repeat("x", 100)), strings.Repeat("x", 64)},
		{enc("\xff\xfe"), ""},
		{[]byte{1, 2}, ""},
		{append(common.LeftPadBytes([]byte{0xff}, 32), make([]byte, 32)...), ""}, // offset past the end
	} {
		if got := abiString(c.in); got != c.want {
			t.Errorf("abiString(%x) = %q, want %q", c.in, got, c.want)
		}
	}
	if d := decimal(big.NewInt(1234500), 6); d != "1.2345" {
		t.Errorf("decimal = %s", d)
	}
	if d := decimal(big.NewInt(0), 18); d != "0" {
		t.Errorf("decimal zero = %s", d)
	}
}
