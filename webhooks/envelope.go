package webhooks

import (
	"encoding/json"
	"fmt"
	"time"
)

// Event is what a message delivers: one stored event.
type Event struct {
	ID              string
	Name            string // {resource}.{action}, e.g. user.created
	EnvironmentID   string
	EnvironmentName string // sandbox or live
	UserID          string // the actor; empty when an API token caused it
	ExternalUserID  string // set when the environment brings its own auth
	Data            json.RawMessage
	CreatedAt       time.Time
}

// Envelope is the JSON body of a delivery (behaviour.md §6.2).
type Envelope struct {
	EventID         string          `json:"eventId"`
	MessageID       string          `json:"messageId"`
	WebhookID       string          `json:"webhookId"`
	UserID          string          `json:"userId,omitempty"`
	ExternalUserID  string          `json:"externalUserId,omitempty"`
	EventName       string          `json:"eventName"`
	EnvironmentID   string          `json:"environmentId"`
	EnvironmentName string          `json:"environmentName"`
	Timestamp       string          `json:"timestamp"`
	Redelivery      bool            `json:"redelivery"`
	Data            json.RawMessage `json:"data"`
}

// Body encodes the envelope of message messageID of ev to webhookID. The
// timestamp is the event's, so every attempt of a message carries the same
// envelope (only redelivery differs on a manual redelivery).
func Body(ev Event, messageID, webhookID string, redelivery bool) ([]byte, error) {
	data := ev.Data
	if len(data) == 0 {
		data = json.RawMessage("{}")
	}
	b, err := json.Marshal(Envelope{
		EventID:         ev.ID,
		MessageID:       messageID,
		WebhookID:       webhookID,
		UserID:          ev.UserID,
		ExternalUserID:  ev.ExternalUserID,
		EventName:       ev.Name,
		EnvironmentID:   ev.EnvironmentID,
		EnvironmentName: ev.EnvironmentName,
		Timestamp:       ev.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z"),
		Redelivery:      redelivery,
		Data:            data,
	})
	if err != nil {
		return nil, fmt.Errorf("webhook envelope: %w", err)
	}
	return b, nil
}
