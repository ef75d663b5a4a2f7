package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/exports"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// The admin Exports group (behaviour.md §7.2): jobs written in the
// background, their files served by download.

type wireExport struct {
	ID          string          `json:"id"`
	Format      string          `json:"format"`
	Model       string          `json:"model"`
	Status      string          `json:"status"`
	Filter      *exports.Filter `json:"filter,omitempty"`
	CreatedAt   string          `json:"createdAt"`
	StartedAt   *string         `json:"startedAt"`
	CompletedAt *string         `json:"completedAt"`
	DownloadURL string          `json:"downloadUrl,omitempty"`
	Error       string          `json:"error,omitempty"`
}

func (s *Server) toExport(r *http.Request, e *exports.Export) wireExport {
	w := wireExport{ID: e.ID, Format: e.Format, Model: e.Model, Status: e.Status, CreatedAt: ts(e.CreatedAt),
		StartedAt: tsPtr(e.StartedAt), CompletedAt: tsPtr(e.CompletedAt), Error: e.Error}
	if !e.Filter.IsZero() {
		f := e.Filter
		w.Filter = &f
	}
	if e.Status == exports.StatusCompleted {
		w.DownloadURL = s.exportLink(r, e)
	}
	return w
}

// exportBody is ExportCreateRequest with the filter of Dynamic's v4 docs:
// {users: UserSearchFilterParams}.
type exportBody struct {
	Format *string `json:"format"`
	Model  *string `json:"model"`
	Filter *struct {
		Users  *exports.Filter `json:"users"`
		Visits *exports.Filter `json:"visits"`
	} `json:"filter"`
}

func (s *Server) createExport(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	raw, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	var b exportBody
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return errs.Invalid("body: %s", jsonProblem(err))
	}
	var in exports.Input
	if b.Format != nil {
		in.Format = *b.Format
	}
	if b.Model != nil {
		in.Model = *b.Model
	}
	if err := wireExportInput(in); err != nil {
		return err
	}
	if b.Filter != nil {
		switch {
		case b.Filter.Users != nil && b.Filter.Visits != nil:
			return errs.Invalid("filter: one of users or visits")
		case b.Filter.Users != nil:
			in.Filter = *b.Filter.Users
			if in.Model != exports.ModelUsers {
				return errs.Invalid("filter.users: only for a users export")
			}
		case b.Filter.Visits != nil:
			in.Filter = *b.Filter.Visits
			if in.Model != exports.ModelVisits {
				return errs.Invalid("filter.visits: only for a visits export")
			}
		}
	}
	e, err := s.exports.Create(r.Context(), p, envID, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.toExport(r, e))
	return nil
}

// wireExportInput keeps the API to the contract's enums (csv; users,
// visits): json files and the wallets and events models are this server's
// additions, offered by the Go API and `dynamicauth export`, where no
// client of Dynamic's API meets a value it does not know.
func wireExportInput(in exports.Input) error {
	if in.Format != "" && in.Format != exports.FormatCSV {
		return errs.Invalid("format: must be csv, got %q (JSON exports: dynamicauth export --format json)", truncate(in.Format, 20))
	}
	if in.Model != "" && in.Model != exports.ModelUsers && in.Model != exports.ModelVisits {
		return errs.Invalid("model: must be users or visits, got %q (wallets and events: dynamicauth export --model)", truncate(in.Model, 20))
	}
	return nil
}

func (s *Server) listExports(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	model := r.URL.Query().Get("model")
	if err := wireExportInput(exports.Input{Model: model}); err != nil {
		return err
	}
	es, err := s.exports.List(r.Context(), p, envID, model)
	if err != nil {
		return err
	}
	out := make([]wireExport, 0, len(es))
	for i := range es {
		out = append(out, s.toExport(r, &es[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"exports": out})
	return nil
}

func (s *Server) getExport(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	id, err := pathID(r, "exportId")
	if err != nil {
		return err
	}
	e, err := s.exports.Get(r.Context(), p, envID, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.toExport(r, e))
	return nil
}

// exportLink is a fresh signed link to e's file, on the host the request
// reached (it goes back to that caller only): outside /api/v0, like the
// probes, since it takes no bearer. http on a local host, https elsewhere.
func (s *Server) exportLink(r *http.Request, e *exports.Export) string {
	host := r.Host
	return schemeOf(host) + "://" + host + "/exports/" + e.EnvironmentID + "/" + e.ID + "/file?" + s.exports.LinkQuery(e)
}

// downloadExport answers the contract's 204 (the official client reads no
// body) with the export's signed downloadUrl in Location; a pending or
// failed export is a 422.
func (s *Server) downloadExport(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	id, err := pathID(r, "exportId")
	if err != nil {
		return err
	}
	e, _, err := s.exports.Open(r.Context(), p, envID, id)
	if err != nil {
		return err
	}
	w.Header().Set("Location", s.exportLink(r, e))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// exportFile serves an export's file to a signed link, a chunk at a time.
func (s *Server) exportFile(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	e, body, err := s.exports.OpenLink(r.Context(), r.PathValue("environmentId"), r.PathValue("exportId"),
		q.Get("expires"), q.Get("signature"))
	if err != nil {
		return err
	}
	ct := "text/csv; charset=utf-8"
	if e.Format == exports.FormatJSON {
		ct = "application/json; charset=utf-8"
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Length", strconv.FormatInt(e.Bytes, 10))
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.%s"`, e.Model, e.ID, e.Format))
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(http.StatusOK)
	dw := &deadlineWriter{w: w, rc: http.NewResponseController(w), window: exportWriteWindow}
	if _, err := io.Copy(dw, body); err != nil && r.Context().Err() == nil {
		// The headers are gone: the client sees a body shorter than its
		// Content-Length; the log says why.
		s.log.Error("export download", "export", e.ID, "err", err)
	}
	return nil
}

// exportWriteWindow bounds each write of an export's file. The server's
// WriteTimeout (a minute in `dynamicauth serve`) bounds a whole response,
// which the file of a large environment over an ordinary link outlasts:
// moved on at every write, the deadline cuts a client that stops
// reading, not one still downloading.
const exportWriteWindow = time.Minute

// deadlineWriter moves the connection's write deadline window ahead of
// each write to w.
type deadlineWriter struct {
	w      io.Writer
	rc     *http.ResponseController
	window time.Duration
}

func (d *deadlineWriter) Write(p []byte) (int, error) {
	// (a writer without deadlines, a test's recorder, keeps none)
	_ = d.rc.SetWriteDeadline(time.Now().Add(d.window))
	return d.w.Write(p)
}
