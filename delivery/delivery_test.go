package delivery

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

func TestOutboxAppendsOneJSONLinePerMessageAndLogs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db.outbox.jsonl")
	var logs bytes.Buffer
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	o, err := OpenOutbox(path, slog.New(slog.NewTextHandler(&logs, nil)), func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := o.SendEmail(ctx, Email{To: "a@example.com", Subject: "s", Text: "body 111111", HTML: "<p>x</p>", Code: "111111"}); err != nil {
		t.Fatal(err)
	}
	if err := o.SendSMS(ctx, SMS{To: "+15555550100", Body: "222222 is it", Code: "222222"}); err != nil {
		t.Fatal(err)
	}
	// Concurrent writers never interleave inside a line.
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() { _ = o.SendSMS(ctx, SMS{To: fmt.Sprint(i), Body: strings.Repeat("x", 5000), Code: "3"}) })
	}
	wg.Wait()
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var msgs []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		msgs = append(msgs, m)
	}
	if len(msgs) != 22 {
		t.Fatalf("%d lines, want 22", len(msgs))
	}
	want := map[string]any{"time": "2026-01-02T03:04:05Z", "channel": "email", "to": "a@example.com", "subject": "s",
		"body": "body 111111", "code": "111111"}
	for k, v := range want {
		if msgs[0][k] != v {
			t.Errorf("email %s = %v, want %v", k, msgs[0][k], v)
		}
	}
	if msgs[1]["channel"] != "sms" || msgs[1]["to"] != "+15555550100" || msgs[1]["code"] != "222222" {
		t.Errorf("sms line: %v", msgs[1])
	}
	if !strings.Contains(logs.String(), "code=111111") || !strings.Contains(logs.String(), "channel=sms") {
		t.Errorf("log lacks the messages:\n%s", logs.String())
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("outbox file mode: %v %v", fi.Mode(), err)
	}
}

func TestOutboxDashOnlyLogs(t *testing.T) {
	var logs bytes.Buffer
	o, err := OpenOutbox("-", slog.New(slog.NewTextHandler(&logs, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.Path() != "" {
		t.Fatalf("path %q", o.Path())
	}
	if err := o.SendEmail(context.Background(), Email{To: "a@example.com", Code: "424242"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "code=424242") {
		t.Fatalf("not logged: %s", logs.String())
	}
}

func TestDefaultTemplatesCarryCodeAndProject(t *testing.T) {
	tpl := DefaultTemplates()
	m := CodeMessage{ProjectName: "Acme <Shop>", Code: "987654", ExpiresInMinutes: 10, To: "u@example.com"}
	e, err := tpl.Email(m)
	if err != nil {
		t.Fatal(err)
	}
	for name, part := range map[string]string{"subject": e.Subject, "text": e.Text, "html": e.HTML} {
		if !strings.Contains(part, "987654") {
			t.Errorf("%s lacks the code: %q", name, part)
		}
	}
	if !strings.Contains(e.Text, "Acme <Shop>") || !strings.Contains(e.HTML, "Acme &lt;Shop&gt;") || strings.Contains(e.HTML, "<Shop>") {
		t.Errorf("project name not in text, or not escaped in HTML:\n%s\n%s", e.Text, e.HTML)
	}
	if e.To != "u@example.com" || e.Code != "987654" || strings.Contains(e.Subject, "\n") {
		t.Errorf("email: %+v", e)
	}
	s, err := tpl.SMS(m)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.Body, "987654") || !strings.Contains(s.Body, "Acme <Shop>") || s.To != "u@example.com" {
		t.Errorf("sms: %+v", s)
	}
}

func TestTemplatesOverriddenFromDir(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(TemplateSMS, "{{.ProjectName}} code: {{.Code}}")
	write(TemplateEmailSubject, "Sign in to\n{{.ProjectName}}")
	tpl, err := LoadTemplates(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := CodeMessage{ProjectName: "Acme", Code: "135790", ExpiresInMinutes: 5}
	s, _ := tpl.SMS(m)
	if s.Body != "Acme code: 135790" {
		t.Errorf("sms %q", s.Body)
	}
	e, _ := tpl.Email(m)
	if e.Subject != "Sign in to Acme" || !strings.Contains(e.Text, "expires in 5 minutes") {
		t.Errorf("email %+v", e) // subject overridden (folded), text still the default
	}

	write(TemplateEmailHTML, "{{.Nope}}")
	if _, err := LoadTemplates(dir); err == nil || !strings.Contains(err.Error(), "Nope") {
		t.Errorf("a template naming an unknown field loaded: %v", err)
	}
	write(TemplateEmailHTML, "{{.Code")
	if _, err := LoadTemplates(dir); err == nil {
		t.Error("a template that does not parse loaded")
	}
}

// TestProjectNameClipped: the project's display name is an admin's free
// text, bounded only by the settings document's size; every code message
// carries it, so a huge one would make providers refuse each email (and
// split each SMS into many parts). Messages carry its first
// MaxProjectNameRunes characters.
func TestProjectNameClipped(t *testing.T) {
	tpl := DefaultTemplates()
	long := strings.Repeat("Acmé ", 20000)
	m := CodeMessage{ProjectName: long, Code: "123456", ExpiresInMinutes: 10, To: "user@example.com"}
	e, err := tpl.Email(m)
	if err != nil {
		t.Fatal(err)
	}
	s, err := tpl.SMS(m)
	if err != nil {
		t.Fatal(err)
	}
	for what, v := range map[string]string{"subject": e.Subject, "text": e.Text, "html": e.HTML, "sms": s.Body} {
		if n := utf8.RuneCountInString(v); n > 2*MaxProjectNameRunes+1000 {
			t.Errorf("%s: %d characters", what, n)
		}
		if !strings.Contains(v, "123456") {
			t.Errorf("%s lost the code", what)
		}
	}
	if !strings.Contains(e.Subject, "Acmé") {
		t.Errorf("subject %q lost the name", e.Subject)
	}
}
