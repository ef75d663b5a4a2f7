package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dynamicauth/dynamicauth/delivery"
)

func TestServeDeliveryDefaultsToOutboxBesideTheDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "x.db")
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	ch, err := (&deliveryFlags{}).build(&options{db: db}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer ch.close()
	if err := ch.mailer.SendEmail(context.Background(), delivery.Email{To: "a@example.com", Code: "123456"}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(db + ".outbox.jsonl")
	if err != nil || !strings.Contains(string(b), `"code":"123456"`) {
		t.Fatalf("outbox beside the db: %q %v", b, err)
	}
	if !strings.Contains(logs.String(), "dev outbox") {
		t.Errorf("serve does not say codes go to the outbox:\n%s", logs.String())
	}

	for _, c := range []struct{ db, outbox string }{{db, "-"}, {"postgres://u@h/db", ""}} {
		ch, err := (&deliveryFlags{outbox: c.outbox}).build(&options{db: c.db}, log)
		if err != nil {
			t.Fatal(err)
		}
		if p := ch.mailer.(*delivery.Outbox).Path(); p != "" {
			t.Errorf("db %s outbox %q: writes %s, want the log only", c.db, c.outbox, p)
		}
		ch.close()
	}
	if _, err := (&deliveryFlags{templates: t.TempDir()}).build(&options{db: db}, log); err != nil {
		t.Errorf("a templates dir without overrides: %v", err)
	}
	if _, err := (&deliveryFlags{templates: filepath.Join(t.TempDir(), "typo")}).build(&options{db: db}, log); err == nil {
		t.Error("a missing templates dir is silently ignored")
	}
}
