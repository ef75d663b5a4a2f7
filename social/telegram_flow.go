package social

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// The Telegram login, two ways. The login widget: Dynamic's SDK announces
// a state (initAuth) and opens telegram/auth?state=… in a popup, which
// shows Telegram's widget; the widget's data is posted back (telegram/auth)
// and checked, and the state gets a code that telegram/signin or /verify
// trades, once, for the identity. A Telegram Mini App instead carries a
// telegramAuthToken its bot signed (HS256 with the bot token) around the
// same widget fields. Either way a payload is accepted once: its hash is
// recorded until it would be stale anyway. Once on the whole server, not
// per environment: an operator may give sandbox and live the same bot,
// and a payload seen in one must not sign in to the other.

// ErrTelegramReplay refuses widget data used before.
var ErrTelegramReplay = errors.New("social: telegram login data already used")

// TelegramUser is the widget's data as the contract carries it
// (TelegramUser: camelCase, id a number, authDate a string).
type TelegramUser struct {
	ID        json.Number `json:"id"`
	FirstName string      `json:"firstName"`
	LastName  string      `json:"lastName"`
	Username  string      `json:"username"`
	PhotoURL  string      `json:"photoURL"`
	AuthDate  json.Number `json:"authDate"`
	Hash      string      `json:"hash"`
}

// Fields are the widget's own field names, hash included; Telegram
// leaves out the fields a user lacks, and so does the data-check string.
func (u TelegramUser) Fields() map[string]string {
	m := map[string]string{}
	for k, v := range map[string]string{"id": u.ID.String(), "first_name": u.FirstName, "last_name": u.LastName,
		"username": u.Username, "photo_url": u.PhotoURL, "auth_date": u.AuthDate.String(), "hash": u.Hash} {
		if v != "" {
			m[k] = v
		}
	}
	return m
}

// ParseTelegramAuthToken opens a Mini App's telegramAuthToken: a JWT its
// bot signed with HS256 and the bot token, carrying the TelegramUser
// fields. Only HS256 is accepted; the fields are then checked as widget
// data (VerifyTelegram).
func ParseTelegramAuthToken(token, botToken string) (TelegramUser, error) {
	var u TelegramUser
	if botToken == "" {
		return u, fmt.Errorf("%w: no bot token configured", ErrSettings)
	}
	if len(token) > 8192 {
		return u, fmt.Errorf("%w: telegramAuthToken too long", ErrTelegram)
	}
	t, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.HS256})
	if err != nil {
		return u, fmt.Errorf("%w: telegramAuthToken: %v", ErrTelegram, err)
	}
	raw := map[string]any{}
	if err := t.Claims([]byte(botToken), &raw); err != nil {
		return u, fmt.Errorf("%w: telegramAuthToken signature: %v", ErrTelegram, err)
	}
	b, _ := json.Marshal(raw)
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	var loose struct {
		ID        any    `json:"id"`
		FirstName string `json:"firstName"`
		LastName  string `json:"lastName"`
		Username  string `json:"username"`
		PhotoURL  string `json:"photoURL"`
		AuthDate  any    `json:"authDate"`
		Hash      string `json:"hash"`
	}
	if err := dec.Decode(&loose); err != nil {
		return u, fmt.Errorf("%w: telegramAuthToken claims: %v", ErrTelegram, err)
	}
	u = TelegramUser{ID: number(loose.ID), FirstName: loose.FirstName, LastName: loose.LastName, Username: loose.Username,
		PhotoURL: loose.PhotoURL, AuthDate: number(loose.AuthDate), Hash: loose.Hash}
	return u, nil
}

func number(v any) json.Number {
	switch n := v.(type) {
	case json.Number:
		return n
	case string:
		return json.Number(n)
	}
	return ""
}

// TelegramReplays records used widget payloads.
type TelegramReplays interface {
	// UseTelegramLogin records hash (the payload's, which only the bot
	// token could make) as used until expiresAt; one recorded before
	// answers ErrTelegramReplay.
	UseTelegramLogin(ctx context.Context, hash string, expiresAt time.Time) error
	// TelegramLoginUsed reports whether UseTelegramLogin would refuse
	// hash, recording nothing.
	TelegramLoginUsed(ctx context.Context, hash string) (bool, error)
}

// telegramBot is the environment's enabled Telegram provider: the bot's
// username (clientId) and token (its sealed client secret).
func (l *Logins) telegramBot(ctx context.Context, envID string) (name, token string, err error) {
	enabled, err := l.providers.Enabled(ctx, envID)
	if err != nil {
		return "", "", err
	}
	for i := range enabled {
		if p := &enabled[i]; p.Type == Telegram {
			token, err := l.providers.ClientSecret(p)
			if err != nil {
				return "", "", err
			}
			if token == "" || p.ClientID == "" {
				return "", "", fmt.Errorf("%w: telegram needs the bot's username (clientId) and token (clientSecret)", ErrSettings)
			}
			return p.ClientID, token, nil
		}
	}
	return "", "", ErrNotEnabled
}

// TelegramBotName is the username of the environment's bot (the widget
// shows it).
func (l *Logins) TelegramBotName(ctx context.Context, envID string) (string, error) {
	name, _, err := l.telegramBot(ctx, envID)
	return name, err
}

// verifyTelegramOnce checks widget data against the environment's bot and
// records it used.
func (l *Logins) verifyTelegramOnce(ctx context.Context, envID string, fields map[string]string, token string) (*Identity, error) {
	now := l.flow.now()
	id, err := VerifyTelegram(fields, token, now, TelegramMaxAge)
	if err != nil {
		return nil, err
	}
	if l.replays == nil {
		return nil, fmt.Errorf("%w: no store for used telegram logins", ErrSettings)
	}
	// The payload is refused as stale after TelegramMaxAge (plus the
	// minute of clock skew allowed): it need not be kept longer.
	if err := l.replays.UseTelegramLogin(ctx, strings.ToLower(fields["hash"]), now.Add(TelegramMaxAge+2*time.Minute)); err != nil {
		return nil, err
	}
	return id, nil
}

// verifyTelegramUnused checks widget data as verifyTelegramOnce does,
// refusing a payload used before, and records nothing: a check answers
// what the sign-in would.
func (l *Logins) verifyTelegramUnused(ctx context.Context, fields map[string]string, token string) (*Identity, error) {
	id, err := VerifyTelegram(fields, token, l.flow.now(), TelegramMaxAge)
	if err != nil {
		return nil, err
	}
	if l.replays == nil {
		return nil, fmt.Errorf("%w: no store for used telegram logins", ErrSettings)
	}
	used, err := l.replays.TelegramLoginUsed(ctx, strings.ToLower(fields["hash"]))
	if err != nil {
		return nil, err
	}
	if used {
		return nil, ErrTelegramReplay
	}
	return id, nil
}

// TelegramWidget checks the widget's data posted for a login state of the
// environment (telegram/auth) and gives the state its code: the state
// is returned with it.
func (l *Logins) TelegramWidget(ctx context.Context, envID, state string, u TelegramUser) (*State, error) {
	st, err := l.flow.Lookup(ctx, envID, Telegram, state)
	if err != nil {
		return nil, err
	}
	if st.Code != "" {
		return nil, ErrStateNotFound
	}
	_, token, err := l.telegramBot(ctx, envID)
	if err != nil {
		return nil, err
	}
	id, err := l.verifyTelegramOnce(ctx, envID, u.Fields(), token)
	if err != nil {
		return nil, err
	}
	// The code carries the identity: the stored copy is what the sign-in
	// reads, the client's must only match it.
	b, _ := json.Marshal(id)
	code := random(24) + "." + base64.RawURLEncoding.EncodeToString(b)
	return l.flow.states.DeliverCode(ctx, st.ID, code, "", l.flow.now())
}

// TelegramRequest finishes a Telegram login: the state and code of a
// widget login, or a Mini App's telegramAuthToken.
type TelegramRequest struct {
	State, Code, AuthToken string
}

// CompleteTelegram says who a Telegram login vouches for; a state is used
// up whatever the outcome, a token's payload once.
func (l *Logins) CompleteTelegram(ctx context.Context, envID string, r TelegramRequest) (*Identity, error) {
	return l.telegramLogin(ctx, envID, r, useUp)
}

// PeekTelegram says who a Telegram login vouches for and uses up nothing:
// the same login then still signs in (checkTelegramAuth before
// telegram/signin).
func (l *Logins) PeekTelegram(ctx context.Context, envID string, r TelegramRequest) (*Identity, error) {
	return l.telegramLogin(ctx, envID, r, peek)
}

// loginUse says whether reading a login uses it up.
type loginUse int

const (
	useUp loginUse = iota // a sign-in or link: the state is taken, a token's payload recorded
	peek                  // a check: nothing changes
)

func (l *Logins) telegramLogin(ctx context.Context, envID string, r TelegramRequest, use loginUse) (*Identity, error) {
	_, token, err := l.telegramBot(ctx, envID)
	if err != nil {
		return nil, err
	}
	if r.AuthToken != "" {
		u, err := ParseTelegramAuthToken(r.AuthToken, token)
		if err != nil {
			return nil, err
		}
		if use == useUp {
			return l.verifyTelegramOnce(ctx, envID, u.Fields(), token)
		}
		return l.verifyTelegramUnused(ctx, u.Fields(), token)
	}
	if r.State == "" || r.Code == "" {
		return nil, ErrStateNotFound
	}
	var st *State
	if use == useUp {
		if st, err = l.flow.states.TakeState(ctx, r.State); err == nil {
			err = l.flow.check(st, envID, Telegram)
		}
	} else {
		st, err = l.flow.Lookup(ctx, envID, Telegram, r.State)
	}
	if err != nil {
		return nil, err
	}
	if st.Code == "" {
		return nil, ErrStateNotFound
	}
	if subtle.ConstantTimeCompare([]byte(r.Code), []byte(st.Code)) != 1 {
		return nil, ErrCodeMismatch
	}
	_, enc, _ := strings.Cut(st.Code, ".")
	b, err := base64.RawURLEncoding.DecodeString(enc)
	var id Identity
	if err == nil {
		err = json.Unmarshal(b, &id)
	}
	if err != nil || id.AccountID == "" || id.Provider != Telegram {
		return nil, fmt.Errorf("%w: unreadable telegram login", ErrStateNotFound)
	}
	return &id, nil
}
