package httpapi

import (
	"errors"
	"math"
	"net/http"
	"strconv"

	"github.com/dynamicauth/dynamicauth/errs"
)

// errorBody is every error response: the union of the contract's
// BadRequest, Unauthorized, Forbidden, NotFound, UnprocessableEntity,
// TooManyRequests and InternalServerError shapes.
type errorBody struct {
	Error   string         `json:"error"`
	Code    string         `json:"code,omitempty"`
	Payload map[string]any `json:"payload,omitempty"`
}

// statusError is a refusal of the HTTP layer's own, with a status the
// domain has no kind for (415).
type statusError struct {
	status    int
	code, msg string
}

func (e *statusError) Error() string { return e.msg }

// writeError is the one place that turns domain errors into HTTP answers.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, body := s.errorAnswer(w, r, err)
	writeJSON(w, status, body)
}

// errorAnswer is the status and contract body of err (a Retry-After set
// on w when rate limited), logged as a refusal or, for a server error,
// as a failure: the JSON answer and the browser's page (writeErrorPage)
// both come from it.
func (s *Server) errorAnswer(w http.ResponseWriter, r *http.Request, err error) (int, errorBody) {
	var se *statusError
	if errors.As(err, &se) {
		s.log.DebugContext(r.Context(), "request refused", "request_id", requestID(r.Context()),
			"status", se.status, "err", err)
		return se.status, errorBody{Error: se.msg, Code: se.code}
	}
	var e *errs.E
	if !errors.As(err, &e) {
		e = &errs.E{Kind: errs.KindInternal, Err: err}
	}
	status := http.StatusInternalServerError
	body := errorBody{Error: e.Message, Code: e.Code, Payload: e.Payload}
	switch e.Kind {
	case errs.KindInvalid:
		status = http.StatusBadRequest
	case errs.KindUnauthorized:
		status = http.StatusUnauthorized
	case errs.KindForbidden:
		status = http.StatusForbidden
	case errs.KindNotFound:
		status = http.StatusNotFound
		if body.Code == "" {
			body.Code = "not_found" // NotFound requires a code
		}
	case errs.KindConflict:
		// The contract has no 409 body; Dynamic answers duplicates with 422.
		status = http.StatusUnprocessableEntity
	case errs.KindUnprocessable:
		status = http.StatusUnprocessableEntity
	case errs.KindRateLimited:
		status = http.StatusTooManyRequests
		secs := int(math.Ceil(e.RetryAfter.Seconds()))
		if secs < 1 {
			secs = 1
		}
		w.Header().Set("Retry-After", strconv.Itoa(secs))
	default:
		body = errorBody{Error: "Internal server error. Quote request id " + requestID(r.Context()) + " when reporting it."}
		s.log.ErrorContext(r.Context(), "request failed", "request_id", requestID(r.Context()),
			"method", r.Method, "path", r.URL.Path, "err", err)
	}
	if status < 500 {
		s.log.DebugContext(r.Context(), "request refused", "request_id", requestID(r.Context()),
			"status", status, "err", err)
	}
	return status, body
}
