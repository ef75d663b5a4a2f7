package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/dynamicauth/dynamicauth/events"
)

// maxPublishBytes caps POST /sdk/{env}/events bodies, well under the
// server-wide limit: the route takes anyone's analytics.
const maxPublishBytes = 64 << 10

// publishEvents stores the SDK's analytics events (PublishEvents).
func (s *Server) publishEvents(w http.ResponseWriter, r *http.Request) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxPublishBytes)
	var req struct {
		Events []struct {
			AnonymousID string          `json:"anonymousId"`
			Event       string          `json:"event"`
			Properties  json.RawMessage `json:"properties"`
			Type        string          `json:"type"`
		} `json:"events"`
	}
	if err := s.decode(w, r, "PublishEvents", &req); err != nil {
		return err
	}
	ts := make([]events.Track, len(req.Events))
	for i, e := range req.Events {
		ts[i] = events.Track{AnonymousID: e.AnonymousID, Event: e.Event, Properties: e.Properties, Type: e.Type}
	}
	if err := s.events.Publish(r.Context(), envID, ts); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
