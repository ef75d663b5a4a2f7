package signin

import (
	"context"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/ids"
	"github.com/dynamicauth/dynamicauth/mfa"
	"github.com/dynamicauth/dynamicauth/otp"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/users"
)

// First factors of code sign-ins, in amr.
const (
	FactorEmail = "email"
	FactorSMS   = "sms"
)

// Codes is the one-time code service (nil when codes are off).
func (s *Service) Codes() *otp.Service { return s.codes }

func (s *Service) codeService(channel string) (*otp.Service, error) {
	if s.codes == nil {
		if channel == otp.ChannelSMS {
			return nil, errs.Unprocessable("no_enabled_sms_provider", "SMS codes are not enabled on this server", nil)
		}
		return nil, errs.Unprocessable("no_enabled_email_provider", "email codes are not enabled on this server", nil)
	}
	return s.codes, nil
}

// CodeRequest is a one-time code as the SDK sends it to
// emailVerifications/signin|verify or smsVerifications/signin|verify,
// with what HTTP knows of the caller.
type CodeRequest struct {
	EnvironmentID    string
	Channel          string // otp.ChannelEmail or otp.ChannelSMS
	VerificationID   string // verificationUUID
	Code             string // verificationToken
	SessionPublicKey string
	Device           *DeviceProof
	Origin           string
	IssuerHost       string
	IP, UserAgent    string
	// Scopes are requestedScopes: a code to an address the signed-in user
	// has already earns an elevatedAccessToken with them (CodeVerify).
	Scopes []string
	// Elevated is the request's elevatedAccessToken (CodeVerify: the
	// user.update step-up of a change no stepped-up PUT /users started).
	Elevated string
	// AllowNewMFALinking (CodeSignIn) asks for an elevatedAccessToken with
	// credential:link when the environment's MFA is optional and the user
	// has no MFA method yet: the sign-in is the proof their first device
	// is added with (offerMFALinking).
	AllowNewMFALinking bool
}

// codeProof is a checked code: the verification it consumed (or, kept,
// that the flow's write consumes) and the credential it proves.
type codeProof struct {
	v      *otp.Verification
	cred   users.Credential
	nonces []string
	now    time.Time
}

// proveCode checks everything about a code request and consumes the code
// (keep: counts it only, for the flow's write to consume, pr.v): the
// channel is on, the session key and device proof are well-formed, then
// the code itself (a wrong one counts against its verification).
// mayUse, if set, refuses what the flow can decide from the verification
// alone (its address), before the code is checked and spent: a refusal
// it makes leaves the code good. It sees the live verification before the
// check (none there: Check says why), and again the checked one when that
// differs (expired, then retried meanwhile).
func (s *Service) proveCode(ctx context.Context, req CodeRequest, keep bool, mayUse func(*otp.Verification) error) (*codeProof, error) {
	codes, err := s.codeService(req.Channel)
	if err != nil {
		return nil, err
	}
	on, err := codes.EnabledInSettings(ctx, req.EnvironmentID, req.Channel)
	if err != nil {
		return nil, err
	}
	if !on {
		if req.Channel == otp.ChannelSMS {
			return nil, errs.Unprocessable("no_enabled_sms_provider", "SMS sign-in is not enabled for this environment", nil)
		}
		return nil, errs.Unprocessable("no_enabled_email_provider", "email sign-in is not enabled for this environment", nil)
	}
	nonces, err := s.claimNonces(req.EnvironmentID, req.Device)
	if err != nil {
		return nil, err
	}
	id, code := strings.TrimSpace(req.VerificationID), strings.TrimSpace(req.Code)
	var seen *otp.Verification
	if mayUse != nil && otp.ValidCodeFormat(code) { // a malformed code is refused as such first
		if seen, err = codes.Peek(ctx, req.EnvironmentID, req.Channel, id); err != nil {
			return nil, err
		}
		if seen != nil {
			if err := mayUse(seen); err != nil {
				return nil, err
			}
		}
	}
	check := codes.Check
	if keep {
		check = codes.Prove
	}
	v, err := check(ctx, req.EnvironmentID, req.Channel, id, code)
	if err != nil {
		return nil, err
	}
	if mayUse != nil && (seen == nil || seen.Address != v.Address || seen.Session != v.Session) {
		if err := mayUse(v); err != nil {
			return nil, err
		}
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	return &codeProof{v: v, cred: codeCredential(req.EnvironmentID, req.Channel, v.Address, now), nonces: nonces, now: now}, nil
}

// codeCredential is the credential a code to address proves.
func codeCredential(envID, channel, address string, now time.Time) users.Credential {
	cred := users.Credential{ID: ids.New(), EnvironmentID: envID, Format: users.FormatEmail, Address: address,
		PublicIdentifier: address, SignInEnabled: true, VerifiedAt: now, CreatedAt: now}
	if channel == otp.ChannelSMS {
		cred.Format = users.FormatPhoneNumber
	}
	return cred
}

// CodeSignIn signs in (or up) the owner of the email or phone number a
// code was sent to: the same write, session, tokens, hooks, access and
// MFA rules as a wallet sign-in. The code is consumed in the sign-in's
// write: a sign-in refused before it (the before-sign-in hook, the access
// rules, the device step) leaves the code good for a retry.
func (s *Service) CodeSignIn(ctx context.Context, req CodeRequest) (*Result, error) {
	sessionKey, err := checkSessionPublicKey(req.SessionPublicKey)
	if err != nil {
		return nil, err
	}
	env, err := s.envs.GetEnvironment(ctx, req.EnvironmentID)
	if err != nil {
		return nil, err
	}
	pr, err := s.proveCode(ctx, req, true, nil)
	if err != nil {
		return nil, err
	}
	p := &firstSignIn{env: env, credential: pr.cred, sessionKey: sessionKey, nonces: pr.nonces, now: pr.now,
		audience: s.audience(req.Origin, "", req.IssuerHost), issuerHost: req.IssuerHost, origin: req.Origin, ip: req.IP,
		userAgent: req.UserAgent, device: req.Device, code: pr.v}
	if req.Channel == otp.ChannelSMS {
		p.factor, p.newUser = FactorSMS, &NewUserProfile{PhoneNumber: pr.v.Address}
		p.events = []Event{{Name: events.UserCreated, OnlyIfNew: true}, {Name: events.PhoneLinked, OnlyIfNew: true}, {Name: events.SessionCreated}}
	} else {
		p.factor, p.newUser = FactorEmail, &NewUserProfile{Email: pr.v.Address}
		p.events = []Event{{Name: events.UserCreated, OnlyIfNew: true}, {Name: events.EmailLinked, OnlyIfNew: true}, {Name: events.SessionCreated}}
	}
	res, err := s.complete(ctx, p)
	if err != nil || !req.AllowNewMFALinking {
		return res, err
	}
	return s.offerMFALinking(ctx, env, res)
}

// CodeVerify adds the email or phone number a code proved to the
// signed-in user (or confirms it), makes it their profile's email or
// phone number, and re-issues their tokens for the same session. What it
// can refuse from the verification's address and the caller alone (the
// step-up's proof, requestedScopes of an address not theirs) it refuses
// before the code is spent (mayVerify): the same code then goes through.
// The access rules and an address another user has are refused after the
// code, as they tell about the address beyond what its verification's
// creator knew (who holds it, its lists): without the code, they would
// be an oracle for any signed-in caller; yet the code is consumed only
// in the link's transaction, so a link refused by them leaves it good too
// (it told the caller nothing the code did not prove). A step-up
// (requestedScopes) writes nothing: its check consumes the code.
func (s *Service) CodeVerify(ctx context.Context, cur *Current, req CodeRequest) (*Result, error) {
	if req.EnvironmentID != cur.Session.EnvironmentID {
		return nil, errs.Unauthorized("invalid or expired session token")
	}
	if err := s.mayStepUp(ctx, cur, req.Scopes, "a code"); err != nil {
		return nil, err
	}
	var proof *mfa.TokenUse
	pr, err := s.proveCode(ctx, req, len(req.Scopes) == 0, func(v *otp.Verification) (err error) {
		proof, err = s.mayVerify(ctx, cur, req, v)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(req.Scopes) > 0 { // the JS SDK's verifyOTP with requestedScopes: a step-up, nothing linked
		return s.stepUp(ctx, cur, &pr.cred, req.Scopes, req.IssuerHost, req.Origin, func() error {
			return s.store.ConsumeNonces(ctx, req.EnvironmentID, pr.nonces, pr.now)
		})
	}
	w := &LinkWrite{EnvironmentID: req.EnvironmentID, UserID: cur.User.ID, Nonces: pr.nonces, Now: pr.now, Credential: pr.cred,
		Proof: proof, Code: pr.v}
	taken := errs.Unprocessable("email_already_exists", "this email belongs to another account of this environment", nil)
	if req.Channel == otp.ChannelSMS {
		w.Event, w.Profile = events.PhoneLinked, &NewUserProfile{PhoneNumber: pr.v.Address}
		taken = errs.Unprocessable("user_has_already_account_with_phone_number",
			"this phone number belongs to another account of this environment", nil)
	} else {
		w.Event, w.Profile = events.EmailLinked, &NewUserProfile{Email: pr.v.Address}
	}
	grants, err := s.decideCredential(ctx, req.EnvironmentID, cur.User, pr.cred)
	if err != nil {
		return nil, err
	}
	u, err := s.links.LinkCredential(ctx, w)
	if w.Proof != nil {
		err = w.Proof.Refused(err)
	}
	if users.OwnedByAnother(err) {
		return nil, taken
	}
	if err != nil {
		return nil, err
	}
	a := session.AuthOf(cur.Claims)
	a.Grants = grants
	return s.issueFor(ctx, cur, u, req.IssuerHost, req.Origin, a)
}

// mayVerify is what CodeVerify decides from a live verification v before
// its code is checked, telling nothing about v's address that its creator
// did not know. requestedScopes step up only with an address the user
// holds (stepUp checks it again). A link needs the user.update step-up
// unless a PUT /users of this session started v (it passed the step-up
// there) or the address is the user's already (verifying it changes
// nothing the step-up guards): the proof is looked at here, spending
// nothing, and spent in the link's transaction, before the link's
// refusals, so a link refused (an address another user has) leaves a
// single-use one unspent, and of two links racing with one, one passes.
func (s *Service) mayVerify(ctx context.Context, cur *Current, req CodeRequest, v *otp.Verification) (*mfa.TokenUse, error) {
	if len(req.Scopes) > 0 {
		cred := codeCredential(req.EnvironmentID, req.Channel, v.Address, time.Time{})
		if cur.User.Same(&cred) == nil {
			return nil, errs.Unprocessable(mfa.CodeInvalidScopes,
				"requestedScopes: only a credential this user has already can step up; link it first", nil)
		}
		return nil, nil
	}
	if v.Session == cur.Session.ID || holds(cur.User, v.Address) {
		return nil, nil
	}
	use, err := s.stepUpProof(ctx, cur, "user:update", Proof{Elevated: req.Elevated})
	if err != nil || use == nil {
		return nil, err
	}
	if err := s.mfa.Serves(ctx, use); err != nil {
		return nil, err
	}
	return use, nil
}

// holds reports whether address (normalised) is u's already: its
// profile's email or phone number, or one of its credentials'. Verifying
// it changes nothing a step-up guards.
func holds(u *users.User, address string) bool {
	if strings.EqualFold(u.Email, address) || u.PhoneNumber == address {
		return true
	}
	for _, c := range u.Credentials {
		if (c.Format == users.FormatEmail || c.Format == users.FormatPhoneNumber) && c.Address == address {
			return true
		}
	}
	return false
}

// ProfileChangeVerification prepares the verification a profile change
// needs (PUT /users): a new email (phone number) where the environment
// signs in with it, and which is not the user's already, is not stored
// but verified. The field is taken out of in and nextView says
// verify-email (verify-sms); the emailVerifications/verify route stores
// it once the code is back. The verification is stored with the change
// and its code sent after it (otp.Service.Deliver): a change refused
// starts none. One address is verified at a time: a change of two that
// need it is refused, or the second would be stored unverified. Without
// any, nextView is done and the pending verification nil.
func (s *Service) ProfileChangeVerification(ctx context.Context, cur *Current, in *users.ProfileInput, client string) (string, *otp.Pending, error) {
	type change struct {
		field, channel, next string
		to                   otp.Destination
	}
	var verify []change
	for _, f := range []struct{ field, channel, next, current string }{
		{"email", otp.ChannelEmail, "verify-email", cur.User.Email},
		{"phoneNumber", otp.ChannelSMS, "verify-sms", cur.User.PhoneNumber},
	} {
		v := in.Fields[f.field]
		if v == nil || strings.EqualFold(strings.TrimSpace(*v), f.current) {
			continue
		}
		d := destination(f.channel, *v)
		need, err := s.needsVerification(ctx, cur, f.channel, d)
		if err != nil {
			return "", nil, err
		}
		if need {
			verify = append(verify, change{f.field, f.channel, f.next, d})
		}
	}
	switch len(verify) {
	case 0:
		return "done", nil, nil
	case 1:
	default:
		return "", nil, errs.Invalid("email, phoneNumber: change one at a time; each is verified before it is stored")
	}
	c := verify[0]
	p, err := s.codes.Prepare(ctx, otp.Request{EnvironmentID: cur.Session.EnvironmentID, Channel: c.channel, Destination: c.to,
		Client: client, Session: cur.Session.ID})
	if err != nil {
		return "", nil, err
	}
	delete(in.Fields, c.field)
	return c.next, p, nil
}

// destination is a profile field's value as a code's destination.
func destination(channel, value string) otp.Destination {
	if channel == otp.ChannelSMS {
		return otp.Destination{PhoneNumber: value}
	}
	return otp.Destination{Email: value}
}

// needsVerification tells whether a profile change to d needs its code
// first: the environment signs in by channel and the user does not hold
// the address already.
func (s *Service) needsVerification(ctx context.Context, cur *Current, channel string, d otp.Destination) (bool, error) {
	if s.codes == nil || strings.TrimSpace(d.Email+d.PhoneNumber) == "" {
		return false, nil
	}
	on, err := s.codes.Enabled(ctx, cur.Session.EnvironmentID, channel)
	if err != nil || !on {
		return false, err
	}
	addr, err := s.codes.ParseDestination(ctx, cur.Session.EnvironmentID, channel, d)
	if err != nil {
		return false, err
	}
	return !holds(cur.User, addr.Normal), nil // the user's already: a plain profile change
}

// CodesOrRefusal runs fn with the code service, or refuses as the
// channel's "not enabled" when this server sends no codes.
func (s *Service) CodesOrRefusal(channel string, fn func(*otp.Service) (*otp.Started, error)) (*otp.Started, error) {
	c, err := s.codeService(channel)
	if err != nil {
		return nil, err
	}
	return fn(c)
}
