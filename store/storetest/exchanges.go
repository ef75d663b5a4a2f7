package storetest

import (
	"errors"
	"testing"

	"github.com/dynamicauth/dynamicauth/envconfig"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/store"
)

// testExchanges: each exchange once per environment, listed by name,
// enabled and disabled keeping its first enabling, deleted; every change
// with its event, in its environment only.
func testExchanges(t *testing.T, s store.Store) {
	c := newClock()
	org, _ := createOrg(t, s, c, "acme", newUser(c, "alice"))
	_, sb, lv := createProject(t, s, c, org.ID, "one")
	add := func(envID, exchange string) *envconfig.Exchange {
		t.Helper()
		now := c.next()
		e := &envconfig.Exchange{ID: id(), EnvironmentID: envID, Exchange: exchange, SocialProvider: "coinbasesocial",
			EnabledAt: &now, CreatedAt: now, UpdatedAt: now}
		must(t, "CreateExchange "+exchange, s.CreateExchange(ctx(t), e))
		return e
	}
	kraken, coinbase := add(sb.ID, "kraken"), add(sb.ID, "coinbase")
	if data := newestEvents(t, s, sb.ID, events.ExchangeCreated); data[0]["exchangeId"] != coinbase.ID {
		t.Fatalf("exchange.created data %v", data[0])
	}
	now := c.next()
	dup := &envconfig.Exchange{ID: id(), EnvironmentID: sb.ID, Exchange: "kraken", EnabledAt: &now, CreatedAt: now, UpdatedAt: now}
	if err := s.CreateExchange(ctx(t), dup); !errors.Is(err, envconfig.ErrExchangeExists) {
		t.Fatalf("a second kraken: %v", err)
	}
	add(lv.ID, "kraken") // another environment has its own
	wantKind(t, "CreateExchange in a missing environment", s.CreateExchange(ctx(t),
		&envconfig.Exchange{ID: id(), EnvironmentID: id(), Exchange: "kraken", CreatedAt: now, UpdatedAt: now}), errs.KindNotFound)

	list, err := s.ListExchanges(ctx(t), sb.ID)
	must(t, "ListExchanges", err)
	if len(list) != 2 || list[0].ID != coinbase.ID || list[1].ID != kraken.ID || list[1].SocialProvider != "coinbasesocial" {
		t.Fatalf("listed %+v", list)
	}
	got, err := s.GetExchange(ctx(t), kraken.ID)
	must(t, "GetExchange", err)
	if got.Exchange != "kraken" || got.EnabledAt == nil || !got.EnabledAt.Equal(*kraken.EnabledAt) {
		t.Fatalf("got %+v", got)
	}

	off, err := s.SetExchangeEnabled(ctx(t), kraken.ID, nil, c.next())
	must(t, "disable", err)
	if off.EnabledAt != nil || newestEvents(t, s, sb.ID, events.ExchangeUpdated)[0]["enabled"] != false {
		t.Fatalf("disabled: %+v", off)
	}
	first := c.next()
	on, err := s.SetExchangeEnabled(ctx(t), kraken.ID, &first, first)
	must(t, "enable", err)
	again, err := s.SetExchangeEnabled(ctx(t), kraken.ID, ptr(c.next()), c.next())
	must(t, "enable again", err)
	if on.EnabledAt == nil || !again.EnabledAt.Equal(first) {
		t.Fatalf("enabled at %v, then %v; want %v kept", on.EnabledAt, again.EnabledAt, first)
	}

	must(t, "DeleteExchange", s.DeleteExchange(ctx(t), kraken.ID, c.next()))
	if data := newestEvents(t, s, sb.ID, events.ExchangeDeleted); data[0]["exchangeId"] != kraken.ID {
		t.Fatalf("exchange.deleted data %v", data[0])
	}
	for what, err := range map[string]error{
		"get deleted":    func() error { _, err := s.GetExchange(ctx(t), kraken.ID); return err }(),
		"enable deleted": func() error { _, err := s.SetExchangeEnabled(ctx(t), kraken.ID, nil, c.next()); return err }(),
		"delete deleted": s.DeleteExchange(ctx(t), kraken.ID, c.next()),
	} {
		if !errors.Is(err, envconfig.ErrExchangeNotFound) {
			t.Errorf("%s: %v, want ErrExchangeNotFound", what, err)
		}
	}
	if list, _ := s.ListExchanges(ctx(t), lv.ID); len(list) != 1 || list[0].Exchange != "kraken" {
		t.Fatalf("the other environment's exchanges: %+v", list)
	}
}
