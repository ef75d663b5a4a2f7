package delivery

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	texttemplate "text/template"
)

// The template files, by name: the defaults are embedded; a directory given
// to LoadTemplates may replace any of them.
const (
	TemplateEmailSubject = "email_subject.txt"
	TemplateEmailText    = "email.txt"
	TemplateEmailHTML    = "email.html"
	TemplateSMS          = "sms.txt"
)

//go:embed templates/*
var defaultTemplates embed.FS

// CodeMessage is what a code message's templates are executed with.
type CodeMessage struct {
	ProjectName      string // the environment's project, as users know the app
	Code             string
	ExpiresInMinutes int
	To               string // the address or number the message goes to
}

// Templates render code messages: text and HTML email, and SMS. HTML is
// escaped by html/template; the text parts are plain text.
type Templates struct {
	subject, text, sms *texttemplate.Template
	html               *htmltemplate.Template
}

// DefaultTemplates are the built-in templates.
func DefaultTemplates() *Templates {
	t, err := LoadTemplates("")
	if err != nil {
		panic(fmt.Sprintf("delivery: built-in templates: %v", err)) // embedded, checked by the tests
	}
	return t
}

// LoadTemplates parses the built-in templates, each replaced by the file of
// the same name in dir when dir has one (dir "" uses only the built-ins).
// A template that does not parse, or fails on a sample message, is an
// error here rather than at the first sign-in.
func LoadTemplates(dir string) (*Templates, error) {
	if dir != "" {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("templates: %s is not a directory", dir)
		}
	}
	read := func(name string) (string, error) {
		if dir != "" {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err == nil {
				return string(b), nil
			}
			if !errors.Is(err, fs.ErrNotExist) {
				return "", fmt.Errorf("templates: %w", err)
			}
		}
		b, err := defaultTemplates.ReadFile("templates/" + name)
		return string(b), err
	}
	var t Templates
	var err error
	parseText := func(name string) *texttemplate.Template {
		src, rerr := read(name)
		if rerr != nil {
			err = errors.Join(err, rerr)
			return nil
		}
		tt, perr := texttemplate.New(name).Option("missingkey=error").Parse(src)
		if perr != nil {
			err = errors.Join(err, fmt.Errorf("templates: %w", perr))
		}
		return tt
	}
	t.subject, t.text, t.sms = parseText(TemplateEmailSubject), parseText(TemplateEmailText), parseText(TemplateSMS)
	if src, rerr := read(TemplateEmailHTML); rerr != nil {
		err = errors.Join(err, rerr)
	} else if t.html, rerr = htmltemplate.New(TemplateEmailHTML).Option("missingkey=error").Parse(src); rerr != nil {
		err = errors.Join(err, fmt.Errorf("templates: %w", rerr))
	}
	if err != nil {
		return nil, err
	}
	sample := CodeMessage{ProjectName: "Example", Code: "123456", ExpiresInMinutes: 10, To: "user@example.com"}
	if _, err := t.Email(sample); err != nil {
		return nil, err
	}
	if _, err := t.SMS(sample); err != nil {
		return nil, err
	}
	return &t, nil
}

// MaxProjectNameRunes bounds the project name a message carries: an
// admin's free text (settings' general.displayName) that would otherwise
// be as long as the settings document allows, in every code message.
const MaxProjectNameRunes = 64

// clipped is m with its project name cut to MaxProjectNameRunes.
func (m CodeMessage) clipped() CodeMessage {
	if r := []rune(m.ProjectName); len(r) > MaxProjectNameRunes {
		m.ProjectName = strings.TrimSpace(string(r[:MaxProjectNameRunes])) + "…"
	}
	return m
}

// Email renders the email carrying m's code.
func (t *Templates) Email(m CodeMessage) (Email, error) {
	m = m.clipped()
	subject, err := execute(t.subject, m)
	if err != nil {
		return Email{}, err
	}
	text, err := execute(t.text, m)
	if err != nil {
		return Email{}, err
	}
	var html bytes.Buffer
	if err := t.html.Execute(&html, m); err != nil {
		return Email{}, fmt.Errorf("template %s: %w", TemplateEmailHTML, err)
	}
	// A header cannot span lines: a subject template's newlines are folded.
	subject = strings.Join(strings.Fields(subject), " ")
	return Email{To: m.To, Subject: subject, Text: text, HTML: html.String(), Code: m.Code}, nil
}

// SMS renders the text message carrying m's code.
func (t *Templates) SMS(m CodeMessage) (SMS, error) {
	m = m.clipped()
	body, err := execute(t.sms, m)
	if err != nil {
		return SMS{}, err
	}
	return SMS{To: m.To, Body: strings.TrimSpace(body), Code: m.Code}, nil
}

func execute(t *texttemplate.Template, m CodeMessage) (string, error) {
	var b bytes.Buffer
	if err := t.Execute(&b, m); err != nil {
		return "", fmt.Errorf("template %s: %w", t.Name(), err)
	}
	return b.String(), nil
}
