package users

import (
	"net/url"
	"strings"
)

// MaxPhotoURL bounds a stored profile picture URL (Google's are about 100
// characters, Discord's and X's shorter).
const MaxPhotoURL = 2048

// PhotoURL is raw when it is a profile picture URL a client may show as an
// image: an absolute http(s) URL of bounded length. Anything else
// (javascript:, data:, a relative path, a cut-off URL) is "": clients put
// it in an img src, so it is never stored.
func PhotoURL(raw string) string {
	if raw == "" || len(raw) > MaxPhotoURL || strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return ""
	}
	return raw
}
