package signin

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"slices"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
)

// Nonces are self-authenticating, so issuing one writes nothing: a nonce
// is a random part, its expiry and a MAC over both and the environment,
// keyed by a key derived from the master secret. Any replica holding the
// key checks a nonce on its own. Single use is enforced where it
// matters, at consumption: the write that uses a nonce inserts it into
// used_nonces (its primary key refuses a second use, on any replica),
// and that row is pruned once the nonce has expired anyway.
//
// Layout (30 bytes, 48 letters and digits as EIP-4361 requires):
// 10 random bytes | expiry, Unix seconds, 5 bytes big-endian | MAC, 15 bytes.
const (
	nonceRandomLen = 10
	nonceExpiryLen = 5
	nonceMACLen    = 15
	nonceRawLen    = nonceRandomLen + nonceExpiryLen + nonceMACLen
	// NonceLen is the length of an issued nonce.
	NonceLen = nonceRawLen * 8 / 5
)

// nonceEncoding is base32 in lower case without padding: 30 bytes are
// exactly 48 characters, so every nonce has one spelling.
var nonceEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NonceKeySize is the size of a nonce MAC key.
const NonceKeySize = 32

// NonceMinter issues nonces with one key and checks them with it and
// the keys it replaced.
type NonceMinter struct{ keys [][]byte }

// NewNonceMinter makes a minter; replicas that share key accept each
// other's nonces. A nil key draws a random one (nonces then die with the
// process). Nonces of the previous keys (derived from previous master
// secrets) are still accepted, so a rotation's restart refuses none
// issued before it.
func NewNonceMinter(key []byte, previous ...[]byte) *NonceMinter {
	if len(key) == 0 {
		key = make([]byte, NonceKeySize)
		_, _ = rand.Read(key) // never fails (crypto/rand panics instead)
	}
	m := &NonceMinter{keys: [][]byte{slices.Clone(key)}}
	for _, k := range previous {
		m.keys = append(m.keys, slices.Clone(k))
	}
	return m
}

// Issue mints a nonce of envID valid until expiresAt (to the second).
func (m *NonceMinter) Issue(envID string, expiresAt time.Time) (string, error) {
	var raw [nonceRawLen]byte
	if _, err := rand.Read(raw[:nonceRandomLen]); err != nil {
		return "", errs.Internal("nonce", err)
	}
	putUint40(raw[nonceRandomLen:], uint64(expiresAt.Unix()))
	copy(raw[nonceRandomLen+nonceExpiryLen:], mac(m.keys[0], envID, raw[:nonceRandomLen+nonceExpiryLen]))
	return nonceEncoding.EncodeToString(raw[:]), nil
}

// Check accepts a nonce this key minted for envID that has not expired at
// now. Whether it was used already is the store's to say, at consumption.
func (m *NonceMinter) Check(envID, nonce string, now time.Time) error {
	raw, ok := decodeNonce(nonce)
	if !ok {
		return ErrNonceUsed
	}
	if !now.Before(expiryOf(raw)) {
		return ErrNonceUsed
	}
	body := raw[:nonceRandomLen+nonceExpiryLen]
	for _, key := range m.keys {
		if hmac.Equal(raw[nonceRandomLen+nonceExpiryLen:], mac(key, envID, body)) {
			return nil
		}
	}
	return ErrNonceUsed
}

func mac(key []byte, envID string, body []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(envID))
	h.Write([]byte{0})
	h.Write(body)
	return h.Sum(nil)[:nonceMACLen]
}

// NonceExpiry reads the expiry written into a nonce, without checking its
// MAC: stores use it to keep a used nonce as long as it could be replayed.
func NonceExpiry(nonce string) (time.Time, bool) {
	raw, ok := decodeNonce(nonce)
	if !ok {
		return time.Time{}, false
	}
	return expiryOf(raw), true
}

func decodeNonce(nonce string) ([]byte, bool) {
	if len(nonce) != NonceLen {
		return nil, false
	}
	raw, err := nonceEncoding.DecodeString(nonce)
	if err != nil || len(raw) != nonceRawLen {
		return nil, false
	}
	return raw, true
}

func expiryOf(raw []byte) time.Time {
	return time.Unix(int64(uint40(raw[nonceRandomLen:])), 0).UTC()
}

func putUint40(b []byte, v uint64) {
	var w [8]byte
	binary.BigEndian.PutUint64(w[:], v)
	copy(b[:nonceExpiryLen], w[8-nonceExpiryLen:])
}

func uint40(b []byte) uint64 {
	var w [8]byte
	copy(w[8-nonceExpiryLen:], b[:nonceExpiryLen])
	return binary.BigEndian.Uint64(w[:])
}
