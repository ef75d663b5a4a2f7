package httpapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// The admin Events group (behaviour.md §7.1): the outbox read newest
// first, a page at a time.

type wireEvent struct {
	EventID         string            `json:"eventId"`
	EnvironmentID   string            `json:"environmentId"`
	EnvironmentName string            `json:"environmentName"`
	EventAction     string            `json:"eventAction"`
	EventName       string            `json:"eventName"`
	ResourceType    string            `json:"resourceType"`
	Timestamp       string            `json:"timestamp"`
	Data            json.RawMessage   `json:"data"`
	Context         map[string]string `json:"context"`
}

func toEvent(e *events.Event) wireEvent {
	data := e.Data
	if len(data) == 0 {
		data = json.RawMessage("{}")
	}
	ctx := map[string]string{"version": "v1"}
	if e.UserID != "" {
		ctx["userId"] = e.UserID
	}
	return wireEvent{EventID: e.ID, EnvironmentID: e.EnvironmentID, EnvironmentName: e.EnvironmentName,
		EventAction: events.Action(e.Name), EventName: e.Name, ResourceType: events.ResourceType(e.Name),
		Timestamp: ts(e.CreatedAt), Data: data, Context: ctx}
}

func (s *Server) listEvents(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	qs := r.URL.Query()
	q := events.Query{ResourceType: qs.Get("resourceType"), After: qs.Get("cursor")}
	if len(q.ResourceType) > 100 {
		return errs.Invalid("resourceType: at most 100 characters")
	}
	if q.Start, err = dateParam(qs, "startDate", false); err != nil {
		return err
	}
	if q.End, err = dateParam(qs, "endDate", true); err != nil {
		return err
	}
	page, err := s.events.List(r.Context(), p, envID, q)
	if err != nil {
		return err
	}
	out := make([]wireEvent, 0, len(page.Events))
	for i := range page.Events {
		out = append(out, toEvent(&page.Events[i]))
	}
	body := map[string]any{"data": out}
	if page.Next != "" {
		body["cursor"] = page.Next
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

func (s *Server) getEvent(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	id, err := pathID(r, "eventId")
	if err != nil {
		return err
	}
	e, err := s.events.Get(r.Context(), p, envID, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toEvent(e))
	return nil
}

// dateParam reads an optional date or timestamp query parameter, in UTC:
// RFC 3339 (an instant) or YYYY-MM-DD (a whole UTC day). As an end bound
// a day means through the end of that day, and the bound returned is
// exclusive: the next day's midnight, or the instant plus a millisecond
// (times are stored to the millisecond).
func dateParam(qs url.Values, name string, end bool) (*time.Time, error) {
	v := qs.Get(name)
	if v == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return &t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return nil, errs.Invalid("%s: %q is not a date (YYYY-MM-DD) or an RFC 3339 timestamp", name, truncate(v, 40))
	}
	t = t.UTC().Truncate(time.Millisecond)
	if end {
		t = t.Add(time.Millisecond)
	}
	return &t, nil
}
