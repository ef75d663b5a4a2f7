// Package secrets derives the server's keys from one master secret: a keyed
// hash for high-entropy credentials (API tokens) and an AEAD box for values
// that must be read back (JWT private keys, OAuth secrets, TOTP seeds).
//
// A master secret is rotated by giving the server the new one as current
// and the old ones as previous: values are sealed and hashed under the
// current one, and opened (or looked up) under any of them until Reseal
// has moved every sealed value to the current one.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// MasterSize is the length of a master secret in bytes.
const MasterSize = 32

// Keys holds the keys derived from the current master secret and from the
// previous ones still accepted.
type Keys struct {
	current  derived
	previous []derived
}

type derived struct {
	macKey []byte
	aead   cipher.AEAD
}

// New derives the keys from a master secret of MasterSize bytes and from
// previous master secrets, which still open sealed values and match
// hashes made under them (oldest last, by convention).
func New(master []byte, previous ...[]byte) (*Keys, error) {
	cur, err := derive(master)
	if err != nil {
		return nil, err
	}
	k := &Keys{current: cur}
	for i, p := range previous {
		if hmac.Equal(p, master) {
			return nil, fmt.Errorf("secrets: previous master secret %d is the current one", i+1)
		}
		d, err := derive(p)
		if err != nil {
			return nil, fmt.Errorf("previous master secret %d: %w", i+1, err)
		}
		k.previous = append(k.previous, d)
	}
	return k, nil
}

func derive(master []byte) (derived, error) {
	if len(master) != MasterSize {
		return derived{}, fmt.Errorf("secrets: master secret must be %d bytes, got %d", MasterSize, len(master))
	}
	macKey, err := hkdf.Key(sha256.New, master, nil, "dynamicauth api-token mac v1", 32)
	if err != nil {
		return derived{}, fmt.Errorf("secrets: derive mac key: %w", err)
	}
	encKey, err := hkdf.Key(sha256.New, master, nil, "dynamicauth at-rest encryption v1", 32)
	if err != nil {
		return derived{}, fmt.Errorf("secrets: derive encryption key: %w", err)
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return derived{}, fmt.Errorf("secrets: cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return derived{}, fmt.Errorf("secrets: gcm: %w", err)
	}
	return derived{macKey: macKey, aead: aead}, nil
}

// Rotating tells whether previous master secrets are configured.
func (k *Keys) Rotating() bool { return len(k.previous) > 0 }

// MAC returns the keyed hash of a credential under the current master
// secret. Tokens are looked up by it, so a stolen database does not yield
// usable tokens.
func (k *Keys) MAC(purpose string, value []byte) []byte {
	return k.current.mac(purpose, value)
}

// MACs returns the keyed hashes of a credential under the current master
// secret, then under each previous one: a long-lived credential hashed
// before a rotation is looked up by any of them.
func (k *Keys) MACs(purpose string, value []byte) [][]byte {
	out := [][]byte{k.current.mac(purpose, value)}
	for _, d := range k.previous {
		out = append(out, d.mac(purpose, value))
	}
	return out
}

func (d derived) mac(purpose string, value []byte) []byte {
	m := hmac.New(sha256.New, d.macKey)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write(value)
	return m.Sum(nil)
}

// Seal encrypts plaintext under the current master secret; aad binds it
// to its context (e.g. a key id) so a ciphertext cannot be moved to
// another row.
func (k *Keys) Seal(plaintext, aad []byte) ([]byte, error) {
	nonce := make([]byte, k.current.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("secrets: nonce: %w", err)
	}
	return k.current.aead.Seal(nonce, nonce, plaintext, aad), nil
}

// Open decrypts what Seal produced with the same aad, under the current
// master secret or a previous one.
func (k *Keys) Open(ciphertext, aad []byte) ([]byte, error) {
	pt, _, err := k.open(ciphertext, aad)
	return pt, err
}

// open also tells whether the current master secret opened it.
func (k *Keys) open(ciphertext, aad []byte) (pt []byte, current bool, err error) {
	if pt, err = k.current.open(ciphertext, aad); err == nil {
		return pt, true, nil
	}
	for _, d := range k.previous {
		if pt, perr := d.open(ciphertext, aad); perr == nil {
			return pt, false, nil
		}
	}
	return nil, false, err
}

func (d derived) open(ciphertext, aad []byte) ([]byte, error) {
	n := d.aead.NonceSize()
	if len(ciphertext) < n {
		return nil, errors.New("secrets: ciphertext too short")
	}
	pt, err := d.aead.Open(nil, ciphertext[:n], ciphertext[n:], aad)
	if err != nil {
		return nil, fmt.Errorf("secrets: open: %w", err)
	}
	return pt, nil
}

// Reseal returns ciphertext sealed under the current master secret:
// changed is false when it already was (out is then ciphertext itself).
func (k *Keys) Reseal(ciphertext, aad []byte) (out []byte, changed bool, err error) {
	pt, current, err := k.open(ciphertext, aad)
	if err != nil || current {
		return ciphertext, false, err
	}
	out, err = k.Seal(pt, aad)
	return out, err == nil, err
}

// ParseMaster decodes a base64 (std or url, padded or not) master secret.
func ParseMaster(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != MasterSize {
				return nil, fmt.Errorf("secrets: master secret must decode to %d bytes, got %d", MasterSize, len(b))
			}
			return b, nil
		}
	}
	return nil, errors.New("secrets: master secret is not base64")
}

// LoadFile reads the master secret from path; a missing file is an error
// that errors.Is os.ErrNotExist.
func LoadFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secrets: read %s: %w", path, err)
	}
	m, err := ParseMaster(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// LoadOrCreateFile reads the master secret from path, creating the file with
// a fresh random secret (mode 0600) when it does not exist yet. created tells
// whether it was made now.
func LoadOrCreateFile(path string) (master []byte, created bool, err error) {
	m, err := LoadFile(path)
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		return m, false, err
	}
	m = make([]byte, MasterSize)
	if _, err := rand.Read(m); err != nil {
		return nil, false, fmt.Errorf("secrets: generate: %w", err)
	}
	if err := publish(path, base64.StdEncoding.EncodeToString(m)+"\n"); err != nil {
		if errors.Is(err, os.ErrExist) { // another process made it first
			return LoadOrCreateFile(path)
		}
		return nil, false, err
	}
	return m, true, nil
}

// publish creates path with content unless it exists (os.ErrExist then),
// all at once: the content is written and synced in a temporary file of
// the same directory, then linked at path. A reader never sees a partial
// secret, nor does a start after a crash; the link fails when another
// process published first.
func publish(path, content string) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*") // mode 0600
	if err != nil {
		return fmt.Errorf("secrets: create %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(content)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("secrets: write %s: %w", path, err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return err
		}
		return fmt.Errorf("secrets: create %s: %w", path, err)
	}
	// the new name is durable once its directory is
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
