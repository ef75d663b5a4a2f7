package signin

import (
	"context"
	"errors"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/social"
	"github.com/dynamicauth/dynamicauth/users"
)

// TelegramRequest is telegram/signin and /verify (OauthResultRequest):
// the state and code of a widget login, or a Mini App's telegramAuthToken.
type TelegramRequest struct {
	EnvironmentID    string
	State, Code      string
	AuthToken        string
	SessionPublicKey string
	IssuerHost       string
	Origin           string
	IP, UserAgent    string
	// Device is the device proof (x-dynamic-device-* headers), if sent.
	Device *DeviceProof
}

// TelegramWidget checks the Telegram widget's data posted for a login
// state (telegram/auth) and returns the code the popup hands to the
// application, or "" when it may not: the code goes to the page that
// opened the popup only when openerOrigin, its origin as the browser
// reported it, is an allowed origin of the environment (never to a page
// that opened the popup to harvest it), or to the state's return URL
// (checked at initAuth).
func (s *Service) TelegramWidget(ctx context.Context, envID, state, openerOrigin string, u social.TelegramUser) (string, error) {
	l, err := s.logins()
	if err != nil {
		return "", err
	}
	if openerOrigin != "" {
		ok, err := s.originListed(ctx, envID, openerOrigin)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", &errs.E{Kind: errs.KindForbidden, Code: "origin_not_allowed",
				Message: "the page that opened the Telegram login is not an allowed origin of the environment"}
		}
	}
	st, err := l.TelegramWidget(ctx, envID, state, u)
	if err != nil {
		return "", telegramRefusal(err)
	}
	if openerOrigin == "" && st.ReturnURL == "" {
		return "", nil
	}
	return st.Code, nil
}

// TelegramLoginPage is what the login page of a Telegram state shows
// (telegram/auth).
type TelegramLoginPage struct {
	Bot       string // the bot's username, for Telegram's widget
	ReturnURL string // where the browser returns when no application opened the page
	// Origin announced the login (initAuth's Origin, normalized), "" when
	// none did: the one origin the page asks for its opener.
	Origin string
}

// TelegramPage is what the login page of a live, undelivered Telegram
// state shows.
func (s *Service) TelegramPage(ctx context.Context, envID, state string) (TelegramLoginPage, error) {
	l, err := s.logins()
	if err != nil {
		return TelegramLoginPage{}, err
	}
	st, err := l.Lookup(ctx, envID, social.Telegram, state)
	if err == nil && (st.Code != "" || st.Error != "") {
		err = social.ErrStateNotFound
	}
	if err != nil {
		return TelegramLoginPage{}, oauthRefusal(err)
	}
	bot, err := l.TelegramBotName(ctx, envID)
	if err != nil {
		return TelegramLoginPage{}, telegramRefusal(err)
	}
	return TelegramLoginPage{Bot: bot, ReturnURL: st.ReturnURL, Origin: st.Origin}, nil
}

func (s *Service) proveTelegram(ctx context.Context, req TelegramRequest) (users.Credential, error) {
	l, err := s.logins()
	if err != nil {
		return users.Credential{}, err
	}
	id, err := l.CompleteTelegram(ctx, req.EnvironmentID, social.TelegramRequest{State: req.State, Code: req.Code, AuthToken: req.AuthToken})
	if err != nil {
		return users.Credential{}, telegramRefusal(err)
	}
	return oauthCredential(req.EnvironmentID, id, s.now()), nil
}

// TelegramSignIn signs in (or up) the Telegram user a widget login or a
// Mini App's token vouches for (telegram/signin).
func (s *Service) TelegramSignIn(ctx context.Context, req TelegramRequest) (*Result, error) {
	env, err := s.envs.GetEnvironment(ctx, req.EnvironmentID)
	if err != nil {
		return nil, err
	}
	sessionKey, err := checkSessionPublicKey(req.SessionPublicKey)
	if err != nil {
		return nil, err
	}
	nonces, err := s.claimNonces(env.ID, req.Device)
	if err != nil {
		return nil, err
	}
	cred, err := s.proveTelegram(ctx, req)
	if err != nil {
		return nil, err
	}
	return s.complete(ctx, &firstSignIn{env: env, credential: cred, now: cred.VerifiedAt, sessionKey: sessionKey,
		nonces: nonces, device: req.Device,
		factor: FactorOAuth, events: []Event{{Name: events.UserCreated, OnlyIfNew: true}, {Name: events.SessionCreated}},
		audience: s.audience(req.Origin, "", req.IssuerHost), issuerHost: req.IssuerHost, origin: req.Origin, ip: req.IP,
		userAgent: req.UserAgent})
}

// TelegramLink adds the Telegram account to the signed-in user
// (telegram/verify); one another user signs in with is refused with
// social_account_already_exists.
func (s *Service) TelegramLink(ctx context.Context, cur *Current, req TelegramRequest) (*Result, error) {
	if req.EnvironmentID != cur.Session.EnvironmentID {
		return nil, errs.Unauthorized("invalid or expired session token")
	}
	cred, err := s.proveTelegram(ctx, req)
	if err != nil {
		return nil, err
	}
	return s.linkSocial(ctx, cur, &LinkWrite{EnvironmentID: req.EnvironmentID, UserID: cur.User.ID, Now: cred.VerifiedAt,
		Credential: cred, Event: events.SocialLinked}, req.IssuerHost, req.Origin, "Telegram")
}

// ErrNoTelegramUser answers checkTelegramAuth for a Telegram account no
// user signs in with.
var ErrNoTelegramUser = errs.NotFound("user_not_found", "no user signs in with this Telegram account")

// TelegramCheck tells whether a user of the environment signs in with
// the Telegram account a login vouches for (checkTelegramAuth: a Mini App
// asks before telegram/signin whether it would sign in or sign up). It
// uses up nothing, so the same login then signs in, and refuses what the
// sign-in would (a login already used among them); nil means there is
// such a user, ErrNoTelegramUser that there is none.
func (s *Service) TelegramCheck(ctx context.Context, req TelegramRequest) error {
	l, err := s.logins()
	if err != nil {
		return err
	}
	if s.owners == nil {
		return errs.Internal("telegram check", errors.New("signin: no Owners to find the account's user"))
	}
	id, err := l.PeekTelegram(ctx, req.EnvironmentID, social.TelegramRequest{State: req.State, Code: req.Code, AuthToken: req.AuthToken})
	if err != nil {
		return telegramRefusal(err)
	}
	cred := oauthCredential(req.EnvironmentID, id, s.now())
	_, err = s.owners.UserByCredential(ctx, req.EnvironmentID, cred.Format, cred.Chain, cred.Address)
	if errors.Is(err, users.ErrUserNotFound) {
		return ErrNoTelegramUser
	}
	return err
}

// telegramRefusal turns Telegram's refusals into the contract's 422.
func telegramRefusal(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, social.ErrTelegram), errors.Is(err, social.ErrTelegramReplay):
		return verifyFailure("%v", err)
	}
	return oauthRefusal(err)
}
