package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// decode reads a JSON body, checks it against the contract schema, and
// unmarshals it into dst. Any failure is a 400 that names the field.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, schema string, dst any) error {
	raw, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	return s.decodeRaw(raw, schema, dst)
}

// decodeOptional is decode for a body a client may leave out, reporting
// whether one came: Dynamic's JS SDK sends none to some routes whose
// contract schema has required members (setDefaultMfaDevice's PUT
// users/mfa/{id}).
func (s *Server) decodeOptional(w http.ResponseWriter, r *http.Request, schema string, dst any) (bool, error) {
	raw, err := s.readBody(w, r)
	if errors.Is(err, errNoBody) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, s.decodeRaw(raw, schema, dst)
}

// decodeRaw is decode of a body already read.
func (s *Server) decodeRaw(raw []byte, schema string, dst any) error {
	var generic any
	if err := json.Unmarshal(raw, &generic); err != nil {
		return errs.Invalid("body: malformed JSON: %s", jsonProblem(err))
	}
	if _, ok := generic.(map[string]any); !ok {
		return errs.Invalid("body: must be a JSON object")
	}
	if err := s.contract.Validate(schema, generic); err != nil {
		return err
	}
	if dst == nil {
		return nil
	}
	if m, ok := dst.(*map[string]any); ok {
		*m = generic.(map[string]any)
		return nil
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return errs.Invalid("body: %s", jsonProblem(err))
	}
	return nil
}

// readBody reads a JSON request body. A body is read only when it says it
// is JSON: the contract's clients always send Content-Type:
// application/json, and refusing anything else (415) stops cross-site
// form posts, which a browser sends without a preflight, and text that a
// lenient parser would read as JSON. A missing Content-Type is refused
// too unless the body is empty, which gets the clearer 400.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	ct := r.Header.Get("Content-Type")
	if ct != "" && !isJSONMediaType(ct) {
		return nil, unsupportedMediaType()
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, errs.Invalid("body: larger than %d bytes", tooBig.Limit)
		}
		return nil, errs.Invalid("body: could not be read")
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, errNoBody
	}
	if ct == "" {
		return nil, unsupportedMediaType()
	}
	if hasNUL(raw) {
		return nil, errNUL
	}
	return raw, nil
}

// errNUL refuses text holding U+0000. PostgreSQL stores no NUL in text or
// jsonb (its error would be a 500), and no name, address, code or
// metadata needs one: a request carrying one is refused on every backend
// alike, before anything reads it.
var errNUL = errs.Invalid("text may not contain the control character U+0000")

// hasNUL reports whether a JSON text has a string holding U+0000: JSON
// allows no raw control character in a string, so only as the escape
// \u0000 (an escaped backslash followed by "u0000" is other text).
func hasNUL(raw []byte) bool {
	if !bytes.Contains(raw, []byte("u0000")) {
		return false // the sign-in's path: one scan, no allocation
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		if i+5 < len(raw) && raw[i+1] == 'u' && string(raw[i+2:i+6]) == "0000" {
			return true
		}
		i++ // the escaped character
	}
	return false
}

// errNoBody: the request has no body.
var errNoBody = errs.Invalid("body: a JSON object is required")

// isJSONMediaType accepts application/json with any parameters.
func isJSONMediaType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/json"
}

func unsupportedMediaType() error {
	return &statusError{status: http.StatusUnsupportedMediaType, code: "unsupported_media_type",
		msg: "body: Content-Type must be application/json"}
}

func jsonProblem(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return typeErr.Field + ": must be " + typeErr.Type.String()
	}
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return syn.Error()
	}
	return err.Error()
}

// pathID reads a path parameter that must be a UUID.
func pathID(r *http.Request, name string) (string, error) {
	v := r.PathValue(name)
	if !tenant.ValidID(v) {
		return "", invalidID(name, v)
	}
	return v, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}

func invalidID(field, v string) error {
	return errs.Invalid("%s: must be a UUID, got %q", field, truncate(v, 64))
}
