package storetest

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/dynamicauth/dynamicauth/cursor"
	"github.com/dynamicauth/dynamicauth/envconfig"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/store"
)

// newestEvents checks the environment's newest events are names, newest
// first, and returns their data.
func newestEvents(t *testing.T, s store.Store, envID string, names ...string) []map[string]any {
	t.Helper()
	evs, err := s.ListEvents(ctx(t), envID, events.Query{Limit: len(names)}, cursor.Position{})
	must(t, "ListEvents", err)
	if len(evs) != len(names) {
		t.Fatalf("%d events, want %v", len(evs), names)
	}
	out := make([]map[string]any, len(evs))
	for i, ev := range evs {
		if ev.Name != names[i] {
			t.Fatalf("event %d is %s, want %s", i, ev.Name, names[i])
		}
		if err := json.Unmarshal(ev.Data, &out[i]); err != nil {
			t.Fatalf("event %d data %s: %v", i, ev.Data, err)
		}
	}
	return out
}

// testSdkViews: a view is stored per environment and type, a put replaces
// it, and each put records sdkView.updated in its transaction.
func testSdkViews(t *testing.T, s store.Store) {
	c := newClock()
	org, _ := createOrg(t, s, c, "acme", newUser(c, "alice"))
	_, sb, lv := createProject(t, s, c, org.ID, "one")

	views, err := s.SdkViews(ctx(t), sb.ID)
	must(t, "SdkViews of a new environment", err)
	if len(views) != 0 {
		t.Fatalf("a new environment has views %+v", views)
	}
	three := 3.0
	v := &envconfig.View{Type: "login", Sections: []envconfig.Section{
		{Type: "wallet", NumOfItemsToDisplay: &three, DefaultItem: "metamask"},
		{Type: "separator", Label: "Or"}, {Type: "email", Alignment: "center"}}}
	must(t, "PutSdkView", s.PutSdkView(ctx(t), sb.ID, v, c.next()))
	views, err = s.SdkViews(ctx(t), sb.ID)
	must(t, "SdkViews", err)
	got, _ := json.Marshal(views)
	want, _ := json.Marshal([]envconfig.View{*v})
	eqJSON(t, "stored views", got, want)
	data := newestEvents(t, s, sb.ID, events.SdkViewUpdated)
	if data[0]["type"] != "login" {
		t.Errorf("sdkView.updated data %v", data[0])
	}

	must(t, "PutSdkView replaces", s.PutSdkView(ctx(t), sb.ID, &envconfig.View{Type: "login", Sections: []envconfig.Section{{Type: "passkey"}}}, c.next()))
	views, _ = s.SdkViews(ctx(t), sb.ID)
	if len(views) != 1 || len(views[0].Sections) != 1 || views[0].Sections[0].Type != "passkey" {
		t.Fatalf("after replace: %+v", views)
	}
	if views, _ := s.SdkViews(ctx(t), lv.ID); len(views) != 0 {
		t.Fatalf("another environment sees views %+v", views)
	}
	wantKind(t, "PutSdkView in a missing environment",
		s.PutSdkView(ctx(t), id(), &envconfig.View{Type: "login"}, c.next()), errs.KindNotFound)
}

// testCustomHostnames: one hostname per environment at most once, a
// bounded number of them, status set within its environment only, the
// active ones listed, every change with its event.
func testCustomHostnames(t *testing.T, s store.Store) {
	c := newClock()
	org, _ := createOrg(t, s, c, "acme", newUser(c, "alice"))
	_, sb, lv := createProject(t, s, c, org.ID, "one")
	newHost := func(envID, name string) *envconfig.Hostname {
		at := c.next()
		return &envconfig.Hostname{ID: id(), EnvironmentID: envID, Hostname: name, Usage: "cookies",
			Status: envconfig.HostnamePending, CreatedAt: at, UpdatedAt: at}
	}
	login := newHost(sb.ID, "login.acme.com")
	must(t, "CreateHostname", s.CreateHostname(ctx(t), login, 3))
	wantCode(t, "the same hostname twice", s.CreateHostname(ctx(t), newHost(sb.ID, "login.acme.com"), 3),
		errs.KindUnprocessable, "duplicate_exists")
	must(t, "the same hostname in another environment", s.CreateHostname(ctx(t), newHost(lv.ID, "login.acme.com"), 3))
	wantKind(t, "CreateHostname in a missing environment", s.CreateHostname(ctx(t), newHost(id(), "x.acme.com"), 3), errs.KindNotFound)
	auth := newHost(sb.ID, "auth.acme.com")
	must(t, "CreateHostname", s.CreateHostname(ctx(t), auth, 3))
	must(t, "CreateHostname", s.CreateHostname(ctx(t), newHost(sb.ID, "wallet.acme.com"), 3))
	wantCode(t, "a fourth hostname with a limit of 3", s.CreateHostname(ctx(t), newHost(sb.ID, "more.acme.com"), 3),
		errs.KindUnprocessable, "invalid_custom_hostname")

	list, err := s.ListHostnames(ctx(t), sb.ID)
	must(t, "ListHostnames", err)
	if len(list) != 3 || list[0].Hostname != "auth.acme.com" || list[1].ID != login.ID {
		t.Fatalf("ListHostnames = %+v", list)
	}
	eq(t, "Usage", list[1].Usage, "cookies")
	eq(t, "Status", list[1].Status, envconfig.HostnamePending)
	eqTime(t, "CreatedAt", list[1].CreatedAt, login.CreatedAt)

	active, err := s.ActiveHostnames(ctx(t), sb.ID)
	must(t, "ActiveHostnames", err)
	if len(active) != 0 {
		t.Fatalf("pending hostnames are active: %v", active)
	}
	_, err = s.SetHostnameStatus(ctx(t), lv.ID, login.ID, envconfig.HostnameActive, c.next())
	wantKind(t, "SetHostnameStatus through another environment", err, errs.KindNotFound)
	at := c.next()
	h, err := s.SetHostnameStatus(ctx(t), sb.ID, login.ID, envconfig.HostnameActive, at)
	must(t, "SetHostnameStatus", err)
	eq(t, "Status", h.Status, envconfig.HostnameActive)
	eqTime(t, "UpdatedAt", h.UpdatedAt, at)
	active, _ = s.ActiveHostnames(ctx(t), sb.ID)
	eqStrings(t, "ActiveHostnames", active, []string{"login.acme.com"})
	if active, _ := s.ActiveHostnames(ctx(t), lv.ID); len(active) != 0 {
		t.Fatalf("the live environment's pending hostname is active: %v", active)
	}

	wantKind(t, "DeleteHostname through another environment", s.DeleteHostname(ctx(t), lv.ID, login.ID, c.next()), errs.KindNotFound)
	must(t, "DeleteHostname", s.DeleteHostname(ctx(t), sb.ID, login.ID, c.next()))
	wantKind(t, "second DeleteHostname", s.DeleteHostname(ctx(t), sb.ID, login.ID, c.next()), errs.KindNotFound)
	if active, _ := s.ActiveHostnames(ctx(t), sb.ID); len(active) != 0 {
		t.Fatalf("a deleted hostname is active: %v", active)
	}
	data := newestEvents(t, s, sb.ID, events.CustomHostnameDeleted, events.CustomHostnameUpdated,
		events.CustomHostnameCreated, events.CustomHostnameCreated, events.CustomHostnameCreated)
	if data[0]["customHostnameId"] != login.ID || data[1]["status"] != "active" || data[4]["hostname"] != "login.acme.com" {
		t.Errorf("event data %v", data)
	}

	// The limit holds when creates race: the environment's row is
	// locked while its hostnames are counted.
	var wg sync.WaitGroup
	var mu sync.Mutex
	made := 0
	for i := range 6 {
		wg.Go(func() {
			err := s.CreateHostname(ctx(t), newHost(lv.ID, fmt.Sprintf("race%d.acme.com", i)), 4)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				made++
			case !errs.Is(err, errs.KindUnprocessable):
				t.Errorf("racing create: %v", err)
			}
		})
	}
	wg.Wait()
	if list, _ := s.ListHostnames(ctx(t), lv.ID); made != 3 || len(list) != 4 {
		t.Fatalf("racing creates with a limit of 4 and one hostname: %d made, %d stored", made, len(list))
	}
}

// testDeeplinkUrls: a URL once per environment, a bounded number, deleted
// by id, each change with its event.
func testDeeplinkUrls(t *testing.T, s store.Store) {
	c := newClock()
	org, _ := createOrg(t, s, c, "acme", newUser(c, "alice"))
	p, sb, lv := createProject(t, s, c, org.ID, "one")
	newLink := func(envID, url string) *envconfig.Deeplink {
		return &envconfig.Deeplink{ID: id(), EnvironmentID: envID, URL: url, CreatedAt: c.next()}
	}
	app := newLink(sb.ID, "myapp://callback")
	must(t, "AddDeeplink", s.AddDeeplink(ctx(t), app, 2))
	wantCode(t, "the same url twice", s.AddDeeplink(ctx(t), newLink(sb.ID, "myapp://callback"), 2),
		errs.KindUnprocessable, "duplicate_exists")
	must(t, "the same url in another environment", s.AddDeeplink(ctx(t), newLink(lv.ID, "myapp://callback"), 2))
	wantKind(t, "AddDeeplink in a missing environment", s.AddDeeplink(ctx(t), newLink(id(), "x://y"), 2), errs.KindNotFound)
	web := newLink(sb.ID, "https://app.acme.com/callback")
	must(t, "AddDeeplink", s.AddDeeplink(ctx(t), web, 2))
	wantCode(t, "a third url with a limit of 2", s.AddDeeplink(ctx(t), newLink(sb.ID, "other://x"), 2),
		errs.KindUnprocessable, "invalid_mobile_deeplink_urls")

	list, err := s.ListDeeplinks(ctx(t), sb.ID)
	must(t, "ListDeeplinks", err)
	if len(list) != 2 || list[0].ID != app.ID || list[1].URL != web.URL {
		t.Fatalf("ListDeeplinks = %+v, want oldest first", list)
	}
	eqTime(t, "CreatedAt", list[0].CreatedAt, app.CreatedAt)
	got, err := s.GetDeeplink(ctx(t), web.ID)
	must(t, "GetDeeplink", err)
	if got.EnvironmentID != sb.ID || got.URL != web.URL {
		t.Fatalf("GetDeeplink = %+v", got)
	}
	_, err = s.GetDeeplink(ctx(t), id())
	wantCode(t, "GetDeeplink of an unknown id", err, errs.KindNotFound, "deeplink_url_not_found")

	must(t, "DeleteDeeplink", s.DeleteDeeplink(ctx(t), app.ID, c.next()))
	wantKind(t, "second DeleteDeeplink", s.DeleteDeeplink(ctx(t), app.ID, c.next()), errs.KindNotFound)
	data := newestEvents(t, s, sb.ID, events.DeeplinkURLDeleted, events.DeeplinkURLCreated, events.DeeplinkURLCreated)
	if data[0]["deeplinkUrlId"] != app.ID || data[0]["url"] != "myapp://callback" {
		t.Errorf("deeplinkUrl.deleted data %v", data[0])
	}

	// Deleting the project takes its environments' records with it.
	must(t, "PutSdkView", s.PutSdkView(ctx(t), lv.ID, &envconfig.View{Type: "login", Sections: []envconfig.Section{}}, c.next()))
	must(t, "DeleteProject", s.DeleteProject(ctx(t), p.ID))
	if l, _ := s.ListDeeplinks(ctx(t), lv.ID); len(l) != 0 {
		t.Fatalf("deeplinks outlive their environment: %+v", l)
	}
	if v, _ := s.SdkViews(ctx(t), lv.ID); len(v) != 0 {
		t.Fatalf("views outlive their environment: %+v", v)
	}
}
