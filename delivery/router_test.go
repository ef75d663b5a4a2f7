package delivery_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/dynamicauth/dynamicauth/delivery"
)

type providersByEnv map[string]*delivery.EmailProvider

func (p providersByEnv) EmailProvider(_ context.Context, envID string) (*delivery.EmailProvider, error) {
	if envID == "broken" {
		return nil, errors.New("store down")
	}
	return p[envID], nil
}

type sent struct{ to []string }

func (s *sent) SendEmail(_ context.Context, m delivery.Email) error {
	s.to = append(s.to, m.To)
	return nil
}

// An environment's enabled provider takes precedence over the server's
// mailer; the others use the server's.
func TestRouterPrefersTheEnvironmentsProvider(t *testing.T) {
	var sgFrom, resendFrom string
	sg := &recorder{status: 202, check: func(t *testing.T, r *http.Request, b []byte) {
		wantHeader(t, r, "Authorization", "Bearer SG.env-a")
		sgFrom = string(b)
	}}
	rs := &recorder{status: 200, body: `{"id":"x"}`, check: func(t *testing.T, r *http.Request, b []byte) {
		wantHeader(t, r, "Authorization", "Bearer re_env_b")
		resendFrom = string(b)
	}}
	sgSrv, rsSrv := sg.serve(t), rs.serve(t)
	fallback := &sent{}
	r := delivery.NewRouter(delivery.RouterDeps{
		Providers: providersByEnv{
			"env-a": {Type: delivery.ProviderSendGrid, APIKey: "SG.env-a", From: "A <a@a.test>"},
			"env-b": {Type: delivery.ProviderResend, APIKey: "re_env_b"}, // no sender of its own: --mail-from
		},
		Fallback: fallback, From: "Server <server@auth.test>", SendGridURL: sgSrv.URL, ResendURL: rsSrv.URL})
	ctx := context.Background()
	for _, c := range []struct{ env, to string }{{"env-a", "a@example.com"}, {"env-b", "b@example.com"}, {"env-c", "c@example.com"}, {"", "d@example.com"}} {
		m := codeEmail(c.to, "123456")
		m.EnvironmentID = c.env
		if err := r.SendEmail(ctx, m); err != nil {
			t.Fatalf("%s: %v", c.env, err)
		}
	}
	if sg.calls.Load() != 1 || rs.calls.Load() != 1 {
		t.Fatalf("sendgrid %d calls, resend %d", sg.calls.Load(), rs.calls.Load())
	}
	if !strings.Contains(sgFrom, `"a@a.test"`) || !strings.Contains(resendFrom, `server@auth.test`) {
		t.Errorf("senders: sendgrid %s, resend %s", sgFrom, resendFrom)
	}
	if strings.Join(fallback.to, ",") != "c@example.com,d@example.com" {
		t.Errorf("fallback sent to %v", fallback.to)
	}

	m := codeEmail("x@example.com", "1")
	m.EnvironmentID = "broken"
	if err := r.SendEmail(ctx, m); err == nil || len(fallback.to) != 2 {
		t.Errorf("a store failure must fail the send, not reroute it: %v, fallback %v", err, fallback.to)
	}

	bare := delivery.NewRouter(delivery.RouterDeps{Providers: providersByEnv{"env-a": {Type: delivery.ProviderSendGrid, APIKey: "k", From: "a@a.test"}}, SendGridURL: sgSrv.URL})
	m.EnvironmentID = "env-c"
	if err := bare.SendEmail(ctx, m); !errors.Is(err, delivery.ErrNoMailer) {
		t.Errorf("no provider and no fallback: %v", err)
	}
	for env, want := range map[string]bool{"env-a": true, "env-c": false} {
		if ok, err := bare.CanSend(ctx, env); ok != want || err != nil {
			t.Errorf("CanSend(%s) = %v, %v", env, ok, err)
		}
	}
	if ok, _ := r.CanSend(ctx, "env-c"); !ok {
		t.Error("with a fallback every environment can send")
	}
}
