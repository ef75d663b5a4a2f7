package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/webhooks"
)

// The admin Webhooks group (behaviour.md §6.1) and GET /eventTypes.

type wireWebhook struct {
	EnvironmentID string   `json:"environmentId"`
	WebhookID     string   `json:"webhookId"`
	URL           string   `json:"url"`
	Secret        string   `json:"secret,omitempty"`
	Version       string   `json:"version,omitempty"`
	Events        []string `json:"events"`
	IsEnabled     bool     `json:"isEnabled"`
	EnabledAt     *string  `json:"enabledAt,omitempty"`
	CreatedAt     string   `json:"createdAt"`
	UpdatedAt     string   `json:"updatedAt"`
}

func toWebhook(w *webhooks.Webhook, withSecret bool) wireWebhook {
	out := wireWebhook{EnvironmentID: w.EnvironmentID, WebhookID: w.ID, URL: w.URL, Version: "v1", Events: w.Events,
		IsEnabled: w.Enabled, EnabledAt: tsPtr(w.EnabledAt), CreatedAt: ts(w.CreatedAt), UpdatedAt: ts(w.UpdatedAt)}
	if out.Events == nil {
		out.Events = []string{}
	}
	if withSecret {
		out.Secret = w.Secret
	}
	return out
}

type wireWebhookMessage struct {
	DeliveryID       string         `json:"deliveryId"`
	EventID          string         `json:"eventId"`
	MessageID        string         `json:"messageId"`
	EnvironmentID    string         `json:"environmentId"`
	WebhookID        string         `json:"webhookId"`
	Status           string         `json:"status"`
	DeliveredAt      string         `json:"deliveredAt"`
	MessageCreatedAt string         `json:"messageCreatedAt"`
	EventReceivedAt  string         `json:"eventReceivedAt"`
	EventCreatedAt   string         `json:"eventCreatedAt"`
	DeliveryAttempt  int            `json:"deliveryAttempt"`
	Request          map[string]any `json:"request"`
	Response         map[string]any `json:"response"`
	CreatedAt        string         `json:"createdAt"`
	UpdatedAt        string         `json:"updatedAt"`
}

func toWebhookMessage(m *webhooks.Message) wireWebhookMessage {
	var body any
	if json.Unmarshal(m.Request, &body) != nil {
		body = string(m.Request)
	}
	resp := map[string]any{"body": m.Response, "durationMs": m.DurationMS}
	if m.HTTPStatus != 0 {
		resp["status"] = m.HTTPStatus
	}
	if m.Error != "" {
		resp["error"] = m.Error
	}
	at := ts(m.AttemptedAt)
	return wireWebhookMessage{DeliveryID: m.ID, EventID: m.EventID, MessageID: m.MessageID, EnvironmentID: m.EnvironmentID,
		WebhookID: m.WebhookID, Status: m.Status, DeliveredAt: at, MessageCreatedAt: ts(m.MessageCreatedAt),
		EventReceivedAt: ts(m.EventCreatedAt), EventCreatedAt: ts(m.EventCreatedAt), DeliveryAttempt: m.Attempt,
		Request: map[string]any{"method": http.MethodPost, "body": body}, Response: resp, CreatedAt: at, UpdatedAt: at}
}

type webhookRequest struct {
	URL       string   `json:"url"`
	IsEnabled *bool    `json:"isEnabled"`
	Events    []string `json:"events"`
}

func (s *Server) decodeWebhook(w http.ResponseWriter, r *http.Request, schema string) (webhooks.Input, error) {
	var req webhookRequest
	if err := s.decode(w, r, schema, &req); err != nil {
		return webhooks.Input{}, err
	}
	return webhooks.Input{URL: req.URL, IsEnabled: req.IsEnabled, Events: req.Events}, nil
}

// webhookPath reads the environment and webhook ids of a webhook route.
func webhookPath(r *http.Request) (envID, id string, err error) {
	if envID, err = pathID(r, "environmentId"); err != nil {
		return "", "", err
	}
	id, err = pathID(r, "webhookId")
	return envID, id, err
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	hooks, err := s.webhooks.List(r.Context(), p, envID)
	if err != nil {
		return err
	}
	out := make([]wireWebhook, 0, len(hooks))
	for i := range hooks {
		out = append(out, toWebhook(&hooks[i], false))
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
	return nil
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	in, err := s.decodeWebhook(w, r, "WebhookCreateRequest")
	if err != nil {
		return err
	}
	hook, err := s.webhooks.Create(r.Context(), p, envID, in)
	if err != nil {
		return err
	}
	// The secret is shown on creation: the operator needs it to verify.
	writeJSON(w, http.StatusOK, toWebhook(hook, true))
	return nil
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, id, err := webhookPath(r)
	if err != nil {
		return err
	}
	withSecret := r.URL.Query().Get("includeSecret") == "true"
	get := s.webhooks.Get
	if withSecret {
		get = s.webhooks.GetWithSecret
	}
	hook, err := get(r.Context(), p, envID, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toWebhook(hook, withSecret))
	return nil
}

func (s *Server) updateWebhook(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, id, err := webhookPath(r)
	if err != nil {
		return err
	}
	in, err := s.decodeWebhook(w, r, "WebhookUpdateRequest")
	if err != nil {
		return err
	}
	hook, err := s.webhooks.Update(r.Context(), p, envID, id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toWebhook(hook, false))
	return nil
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, id, err := webhookPath(r)
	if err != nil {
		return err
	}
	if err := s.webhooks.Delete(r.Context(), p, envID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listWebhookMessages(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, id, err := webhookPath(r)
	if err != nil {
		return err
	}
	// (the service reads the cursor, and refuses one it did not write)
	ms, next, err := s.webhooks.Messages(r.Context(), p, envID, id, r.URL.Query().Get("cursor"))
	if err != nil {
		return err
	}
	writeMessages(w, ms, next)
	return nil
}

func (s *Server) getWebhookMessageDeliveries(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, id, err := webhookPath(r)
	if err != nil {
		return err
	}
	msgID, err := messageID(r)
	if err != nil {
		return err
	}
	ms, err := s.webhooks.MessageDeliveries(r.Context(), p, envID, id, msgID)
	if err != nil {
		return err
	}
	writeMessages(w, ms, "")
	return nil
}

func (s *Server) redeliverWebhookMessage(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, id, err := webhookPath(r)
	if err != nil {
		return err
	}
	msgID, err := messageID(r)
	if err != nil {
		return err
	}
	if err := s.webhooks.Redeliver(r.Context(), p, envID, id, msgID); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"message": "Message queued for redelivery"})
	return nil
}

// messageID reads a message id: an event id and a webhook id joined.
func messageID(r *http.Request) (string, error) {
	v := r.PathValue("messageId")
	if len(v) != 73 || !tenant.ValidID(v[:36]) || v[36] != '-' || !tenant.ValidID(v[37:]) {
		return "", errs.Invalid("messageId: %q is not a message id", truncate(v, 80))
	}
	return v, nil
}

func writeMessages(w http.ResponseWriter, ms []webhooks.Message, next string) {
	out := make([]wireWebhookMessage, 0, len(ms))
	for i := range ms {
		out = append(out, toWebhookMessage(&ms[i]))
	}
	body := map[string]any{"data": out}
	if next != "" {
		body["cursor"] = next
	}
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) eventTypes(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	out := make([]map[string]string, 0, len(events.Types))
	for _, t := range events.Types {
		out = append(out, map[string]string{"name": t.Name, "description": t.Description})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
