package exports

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/url"
	"strconv"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// A completed export's downloadUrl is a signed link, as a presigned
// object-store URL would be: it serves the file without a bearer until it
// expires, so an operator can hand it to a browser or curl. The signature
// binds the environment, the export and the expiry.

// LinkTTL is how long a download link works after the export was read.
const LinkTTL = 15 * time.Minute

// ErrBadLink refuses a download link that is expired, altered or not one
// this server signed.
var ErrBadLink = errs.Forbidden("This download link is expired or invalid; get the export again for a fresh one")

func sign(key []byte, envID, id string, exp int64) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(envID + "\x00" + id + "\x00" + strconv.FormatInt(exp, 10)))
	return hex.EncodeToString(m.Sum(nil))
}

// LinkQuery is the query string of a fresh download link of e:
// expires=<unix seconds>&signature=<hex>.
func (s *Service) LinkQuery(e *Export) string {
	exp := s.d.Now().Add(LinkTTL).Unix()
	return url.Values{"expires": {strconv.FormatInt(exp, 10)}, "signature": {sign(s.d.LinkKey, e.EnvironmentID, e.ID, exp)}}.Encode()
}

// signed tells whether signature is the link's under the current key or
// a previous one.
func (s *Service) signed(signature, envID, id string, exp int64) bool {
	for _, key := range append([][]byte{s.d.LinkKey}, s.d.PreviousLinkKeys...) {
		if hmac.Equal([]byte(signature), []byte(sign(key, envID, id, exp))) {
			return true
		}
	}
	return false
}

// OpenLink is Open for a signed link: no principal, the signature instead.
func (s *Service) OpenLink(ctx context.Context, envID, id, expires, signature string) (*Export, io.Reader, error) {
	exp, err := strconv.ParseInt(expires, 10, 64)
	if err != nil || len(s.d.LinkKey) == 0 || !tenant.ValidID(envID) || !tenant.ValidID(id) ||
		s.d.Now().Unix() > exp || !s.signed(signature, envID, id, exp) {
		return nil, nil, ErrBadLink
	}
	e, err := s.d.Store.GetExport(ctx, envID, id)
	if err != nil {
		return nil, nil, err
	}
	if e.Status != StatusCompleted {
		return e, nil, ErrNotReady
	}
	return e, &chunkReader{ctx: ctx, store: s.d.Store, id: e.ID}, nil
}
