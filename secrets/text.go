package secrets

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// TextPrefix marks a value sealed into text, for a text column or a JSON
// member: the prefix, then the sealed bytes in unpadded base64.
const TextPrefix = "sealed:v1:"

// SealText seals plain into text.
func (k *Keys) SealText(plain string, aad []byte) (string, error) {
	b, err := k.Seal([]byte(plain), aad)
	if err != nil {
		return "", err
	}
	return encodeText(b), nil
}

// OpenText opens what SealText made. A value without TextPrefix was
// stored before it was sealed and is returned as it is.
func (k *Keys) OpenText(v string, aad []byte) (string, error) {
	b, sealed, err := decodeText(v)
	if err != nil || !sealed {
		return v, err
	}
	pt, err := k.Open(b, aad)
	return string(pt), err
}

// ResealText is v sealed under the current master secret: a value stored
// before it was sealed is sealed now; changed is false when v already was
// sealed under the current secret, or is empty.
func (k *Keys) ResealText(v string, aad []byte) (out string, changed bool, err error) {
	b, sealed, err := decodeText(v)
	switch {
	case err != nil || v == "":
		return v, false, err
	case !sealed:
		out, err = k.SealText(v, aad)
		return out, err == nil, err
	}
	if b, changed, err = k.Reseal(b, aad); err != nil || !changed {
		return v, false, err
	}
	return encodeText(b), true, nil
}

func encodeText(sealed []byte) string {
	return TextPrefix + base64.RawStdEncoding.EncodeToString(sealed)
}

func decodeText(v string) (b []byte, sealed bool, err error) {
	b64, sealed := strings.CutPrefix(v, TextPrefix)
	if !sealed {
		return nil, false, nil
	}
	if b, err = base64.RawStdEncoding.DecodeString(b64); err != nil {
		return nil, true, fmt.Errorf("secrets: sealed text: %w", err)
	}
	return b, true, nil
}

// Mask is how an admin read shows a secret: stars, and its last four
// characters when it has more than eight (fewer would give away half of
// it). It counts characters, not bytes, so a mask never splits one and a
// client sending it back is recognised (MaskMatches).
func Mask(secret string) string {
	r := []rune(secret)
	if len(r) <= 8 {
		return strings.Repeat("*", len(r))
	}
	return strings.Repeat("*", len(r)-4) + string(r[len(r)-4:])
}
