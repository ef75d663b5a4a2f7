package access

import (
	"net/mail"
	"slices"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"golang.org/x/net/idna"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/users"
)

// Key kinds: the prefix of Entry.Key and of a Subject's keys.
const (
	kindWallet      = "wallet"
	kindEmail       = "email"
	kindEmailDomain = "emailDomain"
	kindPhone       = "phone"
	kindDiscord     = "discord"
	kindTwitter     = "twitter"
	kindFarcaster   = "farcaster"
	kindFarcasterID = "farcasterFid"
	kindExternal    = "externalUserId"
)

func key(kind, value string) string { return kind + ":" + value }

// walletKey normalises an address: EVM addresses compare without case,
// with or without their 0x (stored ones have it), anything else
// (Solana's base58, which never spells 40 hex digits) exactly.
func walletKey(addr string) string {
	addr = strings.TrimSpace(addr)
	if common.IsHexAddress(addr) {
		return key(kindWallet, "0x"+strings.TrimPrefix(strings.ToLower(addr), "0x"))
	}
	return key(kindWallet, addr)
}

func phoneKey(p string) string {
	var b strings.Builder
	for i, r := range strings.TrimSpace(p) {
		if (r >= '0' && r <= '9') || (r == '+' && i == 0) {
			b.WriteRune(r)
		}
	}
	return key(kindPhone, b.String())
}

func usernameKey(kind, u string) string {
	return key(kind, strings.ToLower(strings.TrimPrefix(strings.TrimSpace(u), "@")))
}

// Normalize checks that e names exactly one identity and sets e.Key.
func (e *Entry) Normalize() error {
	var keys []string
	add := func(set bool, k string) {
		if set {
			keys = append(keys, k)
		}
	}
	for _, v := range []string{e.WalletPublicKey, e.Email, e.EmailDomain, e.PhoneNumber, e.DiscordUsername,
		e.TwitterUsername, e.FarcasterUsername, e.ExternalUserID, e.Alias} {
		if len(v) > maxIdentifier {
			return errs.Invalid("entry: identifiers must be at most %d characters", maxIdentifier)
		}
	}
	add(strings.TrimSpace(e.WalletPublicKey) != "", walletKey(e.WalletPublicKey))
	if s := strings.TrimSpace(e.Email); s != "" {
		if a, err := mail.ParseAddress(s); err != nil || a.Address != s {
			return errs.Invalid("email: not a valid email address")
		}
		local, domain, _ := strings.Cut(strings.ToLower(s), "@")
		keys = append(keys, key(kindEmail, local+"@"+domainForms(domain)[0]))
	}
	if s := strings.TrimPrefix(strings.TrimSpace(e.EmailDomain), "@"); s != "" {
		if strings.ContainsAny(s, "@ ") || !strings.Contains(s, ".") {
			return errs.Invalid("emailDomain: not a domain (example.com)")
		}
		keys = append(keys, key(kindEmailDomain, domainForms(s)[0]))
	}
	if strings.TrimSpace(e.PhoneNumber) != "" {
		k := phoneKey(e.PhoneNumber)
		if len(k) < len(kindPhone)+1+6 {
			return errs.Invalid("phoneNumber: not a phone number")
		}
		// Verified numbers are kept in international form: a number
		// without its country code would never match one.
		if !strings.HasPrefix(k, key(kindPhone, "+")) {
			return errs.Invalid("phoneNumber: in international form, + and the country code first (+14155550100)")
		}
		keys = append(keys, k)
	}
	add(strings.TrimSpace(e.DiscordUsername) != "", usernameKey(kindDiscord, e.DiscordUsername))
	add(strings.TrimSpace(e.TwitterUsername) != "", usernameKey(kindTwitter, e.TwitterUsername))
	add(strings.TrimSpace(e.FarcasterUsername) != "", usernameKey(kindFarcaster, e.FarcasterUsername))
	add(e.FarcasterFID > 0, key(kindFarcasterID, strconv.FormatInt(e.FarcasterFID, 10)))
	add(strings.TrimSpace(e.ExternalUserID) != "", key(kindExternal, strings.TrimSpace(e.ExternalUserID)))
	switch len(keys) {
	case 0:
		return errs.Invalid("entry: one of walletPublicKey, email, emailDomain, phoneNumber, discordUsername, twitterUsername, farcasterUsername, farcasterFid, externalUserId is required")
	case 1:
		e.Key = keys[0]
		return nil
	}
	return errs.Invalid("entry: exactly one identifier per entry")
}

// Subject is who a decision is about: every identity the user has proved,
// including the one being proved right now.
type Subject struct {
	Wallets []Wallet
	Email   string // verified email
	Phone   string // verified phone number
	// OtherPhones are further verified phone numbers: each counts.
	OtherPhones []string
	// OtherEmails are further verified emails (a second email credential,
	// the one a social provider vouches for): each counts.
	OtherEmails []string
	// Socials are the usernames of the linked social accounts (a user
	// may link more than one per provider: each counts).
	Socials        []Social
	FarcasterFIDs  []int64
	ExternalUserID string
}

// Social is a linked account's username at a provider ("discord",
// "twitter", "farcaster").
type Social struct{ Provider, Username string }

// Wallet is one of a subject's wallets.
type Wallet struct {
	Chain   string // CAIP-2 namespace (eip155, solana)
	Address string
}

// SubjectOf collects a user's identities, plus extra credentials being
// proved (a sign-in's or a link's, not yet stored). u may be nil (a first
// sign-in). Only credentials count: the profile's email and phone number
// are not read, since where the environment does not sign in with them a
// profile update stores them as typed, unverified, and a user would type
// an allowlisted address to be granted its list.
func SubjectOf(u *users.User, extra ...users.Credential) Subject {
	var s Subject
	creds := extra
	if u != nil {
		creds = append(append([]users.Credential{}, u.Credentials...), extra...)
	}
	for _, c := range creds {
		switch c.Format {
		case users.FormatBlockchain:
			s.Wallets = append(s.Wallets, Wallet{Chain: c.Chain, Address: c.Address})
		case users.FormatEmail:
			switch {
			case s.Email == "":
				s.Email = c.Address
			case !strings.EqualFold(s.Email, c.Address):
				s.OtherEmails = append(s.OtherEmails, c.Address)
			}
		case users.FormatExternalUser:
			s.ExternalUserID = c.Address
		case users.FormatPhoneNumber:
			switch {
			case s.Phone == "":
				s.Phone = c.Address
			case s.Phone != c.Address:
				s.OtherPhones = append(s.OtherPhones, c.Address)
			}
		case users.FormatOAuth:
			s.addSocial(c)
		}
	}
	return s
}

// addSocial adds a social account's username (and a Farcaster fid). An
// oauth credential keeps the provider in Chain, the account id in Address
// and, as PublicIdentifier, the username, or when the provider gave none
// an email, display name or the account id: only a username may match a
// username entry, so the shown value counts only when it is not the
// account id and looks like one of these providers' usernames (letters,
// digits, '_', '.', '-'; no '@' or spaces), never an email or display name.
func (s *Subject) addSocial(c users.Credential) {
	switch c.Chain {
	case kindDiscord, kindTwitter, kindFarcaster:
	default:
		return
	}
	if c.Chain == kindFarcaster {
		if fid, err := strconv.ParseInt(c.Address, 10, 64); err == nil && fid > 0 {
			s.FarcasterFIDs = append(s.FarcasterFIDs, fid)
		}
	}
	name := c.PublicIdentifier
	if name == "" || name == c.Address || !usernameLike(name) {
		return
	}
	s.Socials = append(s.Socials, Social{Provider: c.Chain, Username: name})
}

func usernameLike(name string) bool {
	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-'
		if !ok {
			return false
		}
	}
	return true
}

// keys are the entry keys that match s.
func (s Subject) keys() []string {
	var out []string
	for _, w := range s.Wallets {
		out = append(out, walletKey(w.Address))
	}
	for _, e := range append([]string{s.Email}, s.OtherEmails...) {
		if e = strings.ToLower(strings.TrimSpace(e)); e == "" {
			continue
		}
		local, domain, ok := strings.Cut(e, "@")
		if !ok {
			out = append(out, key(kindEmail, e))
			continue
		}
		for _, d := range domainForms(domain) {
			out = append(out, key(kindEmail, local+"@"+d), key(kindEmailDomain, d))
		}
	}
	for _, p := range append([]string{s.Phone}, s.OtherPhones...) {
		if p != "" {
			out = append(out, phoneKey(p))
		}
	}
	for _, so := range s.Socials {
		switch so.Provider {
		case kindDiscord, kindTwitter, kindFarcaster:
			out = append(out, usernameKey(so.Provider, so.Username))
		}
	}
	for _, fid := range s.FarcasterFIDs {
		out = append(out, key(kindFarcasterID, strconv.FormatInt(fid, 10)))
	}
	if s.ExternalUserID != "" {
		out = append(out, key(kindExternal, s.ExternalUserID))
	}
	return out
}

// domainForms are the spellings one mail domain compares under: its ASCII
// (punycode) form first, which entries are stored in, then as written
// and in Unicode. One mailbox answers to x@bücher.de and
// x@xn--bcher-kva.de, so an entry in either spelling holds for both,
// including entries stored in Unicode before entries were kept in ASCII.
// An ASCII domain has one form.
func domainForms(domain string) []string {
	domain = strings.ToLower(domain)
	var out []string
	for _, f := range []func(string) (string, error){idna.Lookup.ToASCII, noChange, idna.Lookup.ToUnicode} {
		if d, err := f(domain); err == nil && d != "" && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

func noChange(s string) (string, error) { return s, nil }
