package passkey

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/ids"
	"github.com/dynamicauth/dynamicauth/mfa"
	"github.com/dynamicauth/dynamicauth/users"
	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
)

// waUser is a user as go-webauthn sees them: the user handle is the
// user id, the credentials their passkeys.
type waUser struct {
	id, name string
	creds    []webauthn.Credential
}

func (u *waUser) WebAuthnID() []byte                         { return []byte(u.id) }
func (u *waUser) WebAuthnName() string                       { return u.name }
func (u *waUser) WebAuthnDisplayName() string                { return u.name }
func (u *waUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

func credentials(ps []Passkey) ([]webauthn.Credential, error) {
	out := make([]webauthn.Credential, 0, len(ps))
	for _, p := range ps {
		var c webauthn.Credential
		if err := json.Unmarshal(p.Credential, &c); err != nil {
			return nil, errs.Internal("decode passkey "+p.ID, err)
		}
		c.Authenticator.SignCount = p.SignCount
		out = append(out, c)
	}
	return out, nil
}

// Options is what a ceremony's begin step hands the browser.
type Options struct {
	Creation  *protocol.PublicKeyCredentialCreationOptions
	Assertion *protocol.PublicKeyCredentialRequestOptions
}

// BeginRegistration issues creation options for a signed-in user: their
// passkeys are excluded, a resident key (passkey) is required.
func (s *Service) BeginRegistration(ctx context.Context, envID string, u *users.User, origin, relatedRpID string) (*protocol.PublicKeyCredentialCreationOptions, error) {
	rp, err := s.relyingParty(ctx, envID)
	if err != nil {
		return nil, err
	}
	rpID, err := rp.rpID(origin, relatedRpID)
	if err != nil {
		return nil, err
	}
	existing, err := s.store.ListPasskeys(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if max := rp.settings.MaxPerUser; len(existing) >= max {
		return nil, errs.Unprocessable(CodeMaxPasskeys, fmt.Sprintf("a user may have at most %d passkeys", max), nil)
	}
	creds, err := credentials(existing)
	if err != nil {
		return nil, err
	}
	wa, err := rp.webAuthn(rpID, origin)
	if err != nil {
		return nil, err
	}
	user := &waUser{id: u.ID, name: u.Label(), creds: creds}
	excl := make([]protocol.CredentialDescriptor, 0, len(creds))
	for _, c := range creds {
		excl = append(excl, c.Descriptor())
	}
	// A resident (discoverable) key always: passkey sign-in names no user.
	creation, sess, err := wa.BeginRegistration(user, webauthn.WithExclusions(excl),
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementRequired, RequireResidentKey: protocol.ResidentKeyRequired(),
			UserVerification: rp.settings.UserVerification}),
		webauthn.WithConveyancePreference(protocol.PreferNoAttestation))
	if err != nil {
		return nil, errs.Internal("begin passkey registration", err)
	}
	if err := s.saveChallenge(ctx, envID, u.ID, KindRegister, sess); err != nil {
		return nil, err
	}
	return &creation.Response, nil
}

// FinishRegistration verifies an attestation for the user's registration
// challenge and stores the passkey.
func (s *Service) FinishRegistration(ctx context.Context, envID string, u *users.User, body []byte, userAgent string) (*Passkey, error) {
	return s.FinishRegistrationWithProof(ctx, envID, u, body, userAgent, nil)
}

// FinishRegistrationWithProof is FinishRegistration taking a step-up
// proof, spent with the passkey's insert (Store.InsertPasskey): a
// registration refused (a bad attestation, the user's most passkeys, a
// credential registered already) leaves it unspent.
func (s *Service) FinishRegistrationWithProof(ctx context.Context, envID string, u *users.User, body []byte, userAgent string,
	proof *mfa.TokenUse) (*Passkey, error) {
	parsed, err := protocol.ParseCredentialCreationResponseBytes(normalizeClientData(body))
	if err != nil {
		return nil, verifyFailed(err)
	}
	cd := parsed.Response.CollectedClientData
	ch, sess, err := s.takeChallenge(ctx, envID, cd.Challenge, KindRegister, u.ID)
	if err != nil {
		return nil, err
	}
	wa, settings, err := s.finisher(ctx, envID, sess, cd.Origin)
	if err != nil {
		return nil, err
	}
	existing, err := s.store.ListPasskeys(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	creds, err := credentials(existing)
	if err != nil {
		return nil, err
	}
	cred, err := wa.CreateCredential(&waUser{id: ch.UserID, name: u.Label(), creds: creds}, *sess, parsed)
	if err != nil {
		return nil, verifyFailed(err)
	}
	raw, err := json.Marshal(cred)
	if err != nil {
		return nil, errs.Internal("encode passkey", err)
	}
	now := s.clock()
	p := &Passkey{ID: ids.New(), EnvironmentID: envID, UserID: u.ID, CredentialID: cred.ID, Credential: raw,
		SignCount: cred.Authenticator.SignCount, Origin: cd.Origin, UserAgent: truncate(userAgent, 512), CreatedAt: now}
	vc := &users.Credential{ID: ids.New(), UserID: u.ID, EnvironmentID: envID, Format: users.FormatPasskey,
		Address: base64.RawURLEncoding.EncodeToString(cred.ID), PublicIdentifier: "Passkey", SignInEnabled: true,
		VerifiedAt: now, CreatedAt: now}
	p.VerifiedCredentialID = vc.ID
	if err := s.store.InsertPasskey(ctx, p, vc, settings.MaxPerUser, proof); err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "passkey registered", "user_id", u.ID, "passkey_id", p.ID, "origin", cd.Origin)
	return p, nil
}

// BeginSignIn issues discoverable assertion options: no user is named,
// the authenticator offers the passkeys it holds for the RP ID.
func (s *Service) BeginSignIn(ctx context.Context, envID, origin, relatedRpID string) (*protocol.PublicKeyCredentialRequestOptions, error) {
	return s.beginAssertion(ctx, envID, nil, origin, relatedRpID)
}

// BeginAuthenticate issues assertion options for a signed-in user's own
// passkeys (step-up, or passkey as a second factor).
func (s *Service) BeginAuthenticate(ctx context.Context, envID string, u *users.User, origin, relatedRpID string) (*protocol.PublicKeyCredentialRequestOptions, error) {
	return s.beginAssertion(ctx, envID, u, origin, relatedRpID)
}

func (s *Service) beginAssertion(ctx context.Context, envID string, u *users.User, origin, relatedRpID string) (*protocol.PublicKeyCredentialRequestOptions, error) {
	rp, err := s.relyingParty(ctx, envID)
	if err != nil {
		return nil, err
	}
	rpID, err := rp.rpID(origin, relatedRpID)
	if err != nil {
		return nil, err
	}
	wa, err := rp.webAuthn(rpID, origin)
	if err != nil {
		return nil, err
	}
	var assertion *protocol.CredentialAssertion
	var sess *webauthn.SessionData
	kind, userID := KindSignIn, ""
	if u == nil {
		assertion, sess, err = wa.BeginDiscoverableLogin(webauthn.WithUserVerification(rp.settings.UserVerification))
	} else {
		kind, userID = KindAuthenticate, u.ID
		ps, lerr := s.store.ListPasskeys(ctx, u.ID)
		if lerr != nil {
			return nil, lerr
		}
		if len(ps) == 0 {
			return nil, errs.NotFound(CodeNotFound, "this user has no passkey")
		}
		creds, cerr := credentials(ps)
		if cerr != nil {
			return nil, cerr
		}
		assertion, sess, err = wa.BeginLogin(&waUser{id: u.ID, name: u.Label(), creds: creds},
			webauthn.WithUserVerification(rp.settings.UserVerification))
	}
	if err != nil {
		return nil, errs.Internal("begin passkey assertion", err)
	}
	if err := s.saveChallenge(ctx, envID, userID, kind, sess); err != nil {
		return nil, err
	}
	return &assertion.Response, nil
}

// FinishSignIn verifies a discoverable assertion and returns the passkey
// (and so the user) it proves. The passkey must exist: never a sign-up.
func (s *Service) FinishSignIn(ctx context.Context, envID string, body []byte) (*Passkey, error) {
	return s.finishAssertion(ctx, envID, "", body)
}

// FinishAuthenticate verifies an assertion of the signed-in user's own
// passkey.
func (s *Service) FinishAuthenticate(ctx context.Context, envID, userID string, body []byte) (*Passkey, error) {
	return s.finishAssertion(ctx, envID, userID, body)
}

func (s *Service) finishAssertion(ctx context.Context, envID, userID string, body []byte) (*Passkey, error) {
	parsed, err := protocol.ParseCredentialRequestResponseBytes(normalizeClientData(body))
	if err != nil {
		return nil, verifyFailed(err)
	}
	cd := parsed.Response.CollectedClientData
	kind := KindSignIn
	if userID != "" {
		kind = KindAuthenticate
	}
	_, sess, err := s.takeChallenge(ctx, envID, cd.Challenge, kind, userID)
	if err != nil {
		return nil, err
	}
	p, err := s.store.PasskeyByCredentialID(ctx, envID, parsed.RawID)
	if errs.Is(err, errs.KindNotFound) || err == nil && userID != "" && p.UserID != userID {
		return nil, errs.NotFound(CodeNotFound, "no such passkey")
	}
	if err != nil {
		return nil, err
	}
	wa, _, err := s.finisher(ctx, envID, sess, cd.Origin)
	if err != nil {
		return nil, err
	}
	var cred *webauthn.Credential
	if kind == KindSignIn {
		creds, cerr := credentials([]Passkey{*p})
		if cerr != nil {
			return nil, cerr
		}
		// The handle the authenticator was given: the owner's id, or the
		// merged user's for a passkey a merge moved.
		user := &waUser{id: p.Handle(), name: p.UserID, creds: creds}
		_, cred, err = wa.ValidatePasskeyLogin(func(rawID, userHandle []byte) (webauthn.User, error) {
			if !bytes.Equal(userHandle, user.WebAuthnID()) {
				return nil, errors.New("user handle is not the passkey's user")
			}
			return user, nil
		}, *sess, parsed)
	} else {
		// go-webauthn holds a returned user handle to the session's user;
		// a moved passkey's is its registration's, checked here instead.
		if h := parsed.Response.UserHandle; len(h) > 0 {
			if string(h) != p.Handle() {
				return nil, verifyFailed(errors.New("user handle is not the passkey's user"))
			}
			parsed.Response.UserHandle = nil
		}
		// The options allowed every passkey of the user, and go-webauthn
		// holds each of them to the user it is given: all of theirs, or a
		// user with two passkeys passes with neither.
		owned, lerr := s.store.ListPasskeys(ctx, userID)
		if lerr != nil {
			return nil, lerr
		}
		creds, cerr := credentials(owned)
		if cerr != nil {
			return nil, cerr
		}
		cred, err = wa.ValidateLogin(&waUser{id: p.UserID, name: p.UserID, creds: creds}, *sess, parsed)
	}
	if err != nil {
		return nil, verifyFailed(err)
	}
	if cred.Authenticator.CloneWarning {
		s.log.WarnContext(ctx, "passkey sign counter went backwards: possible cloned authenticator",
			"user_id", p.UserID, "passkey_id", p.ID, "stored", p.SignCount, "sent", parsed.Response.AuthenticatorData.Counter)
		return nil, errs.Unprocessable(codeVerifyFailure, "passkey sign counter went backwards; the passkey may be cloned", nil)
	}
	raw, err := json.Marshal(cred)
	if err != nil {
		return nil, errs.Internal("encode passkey", err)
	}
	ok, err := s.store.UsePasskey(ctx, p.ID, p.SignCount, cred.Authenticator.SignCount, raw, s.clock())
	if err != nil {
		return nil, err
	}
	if !ok {
		s.log.WarnContext(ctx, "passkey used twice at once", "user_id", p.UserID, "passkey_id", p.ID)
		return nil, errs.Unprocessable(codeVerifyFailure, "passkey sign counter went backwards; the passkey may be cloned", nil)
	}
	p.SignCount = cred.Authenticator.SignCount
	return p, nil
}

// finisher is go-webauthn for the finish step of a ceremony begun for
// sess, accepting the environment's origins as they are now. If the
// environment requires user verification now, so does sess, whatever it
// asked for when the options were issued: go-webauthn refuses an answer
// without the UV flag only when the session says required.
func (s *Service) finisher(ctx context.Context, envID string, sess *webauthn.SessionData, origin string) (*webauthn.WebAuthn, Settings, error) {
	rp, err := s.relyingParty(ctx, envID)
	if err != nil {
		return nil, Settings{}, err
	}
	if rp.settings.UserVerification == protocol.VerificationRequired {
		sess.UserVerification = protocol.VerificationRequired
	}
	wa, err := rp.webAuthn(sess.RelyingPartyID, origin)
	return wa, rp.settings, err
}

func (s *Service) saveChallenge(ctx context.Context, envID, userID, kind string, sess *webauthn.SessionData) error {
	expires := s.clock().Add(s.cfg.ChallengeTTL)
	sess.Expires = expires
	raw, err := json.Marshal(sess)
	if err != nil {
		return errs.Internal("encode passkey challenge", err)
	}
	return s.store.InsertPasskeyChallenge(ctx, &Challenge{Challenge: sess.Challenge, EnvironmentID: envID, UserID: userID,
		Kind: kind, Session: raw, ExpiresAt: expires})
}

// takeChallenge consumes the challenge an answer carries; it must be of
// the ceremony and user it was issued for.
func (s *Service) takeChallenge(ctx context.Context, envID, challenge, kind, userID string) (*Challenge, *webauthn.SessionData, error) {
	if challenge == "" || len(challenge) > 256 {
		return nil, nil, errs.Unprocessable(codeVerifyFailure, "clientDataJSON: no challenge", nil)
	}
	ch, err := s.store.TakePasskeyChallenge(ctx, envID, challenge, s.clock())
	if errs.Is(err, errs.KindNotFound) {
		return nil, nil, errs.Unprocessable(codeVerifyFailure, "the challenge is unknown, used or expired; ask for new options", nil)
	}
	if err != nil {
		return nil, nil, err
	}
	if ch.Kind != kind || ch.UserID != userID {
		return nil, nil, errs.Unprocessable(codeVerifyFailure, "the challenge was issued for another ceremony", nil)
	}
	var sess webauthn.SessionData
	if err := json.Unmarshal(ch.Session, &sess); err != nil {
		return nil, nil, errs.Internal("decode passkey challenge", err)
	}
	// The store enforced the expiry on our clock; go-webauthn would check
	// it against the wall clock again.
	sess.Expires = sess.Expires.AddDate(100, 0, 0)
	return ch, &sess, nil
}

// normalizeClientData accepts both spellings the contract uses
// (clientDataJson in registration, clientDataJSON in assertions).
func normalizeClientData(body []byte) []byte {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return body
	}
	var resp map[string]json.RawMessage
	if json.Unmarshal(m["response"], &resp) != nil {
		return body
	}
	if v, ok := resp["clientDataJson"]; ok {
		if _, has := resp["clientDataJSON"]; !has {
			resp["clientDataJSON"] = v
		}
		delete(resp, "clientDataJson")
		r, err := json.Marshal(resp)
		if err != nil {
			return body
		}
		m["response"] = r
		out, err := json.Marshal(m)
		if err != nil {
			return body
		}
		return out
	}
	return body
}

func verifyFailed(err error) error {
	msg := err.Error()
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.Details != "" {
		msg = pe.Details
	}
	return &errs.E{Kind: errs.KindUnprocessable, Code: codeVerifyFailure, Message: "passkey: " + msg, Err: err}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
