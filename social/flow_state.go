package social

// Beginning a login: the state, its PKCE verifier and nonce stored
// until the provider sends the browser back, and found again by it.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Start is a login begun: send the browser to URL.
type Start struct {
	URL   string
	State string
}

// Begin starts a login whose authorize URL this server builds (loginUrl):
// the state, PKCE verifier and OIDC nonce are made and kept here. binding
// is a secret the caller keeps in the browser (a cookie), or "" when the
// login is not bound to one; returnURL is where the redirect sends the
// browser back ("" keeps it on the redirect's own page, for popups that
// poll oauthResult).
func (f *Flow) Begin(ctx context.Context, envID string, s Settings, binding, returnURL string) (*Start, error) {
	return f.BeginState(ctx, envID, s, "", binding, returnURL)
}

// BeginState is Begin with the client's own state when state is not ""
// (authorizeHtml: Dynamic's SDK names the state it will finish the login
// with). A state the client announced with initAuth and that is still
// unused is taken over, its return URL kept unless returnURL names one;
// any other state in use is refused with ErrStateExists.
func (f *Flow) BeginState(ctx context.Context, envID string, s Settings, state, binding, returnURL string) (*Start, error) {
	d, cfg, err := f.resolve(ctx, s)
	if err != nil {
		return nil, err
	}
	id, origin := random(32), ""
	if state != "" {
		announced, err := f.adopt(ctx, envID, s.Type, state)
		if err != nil {
			return nil, err
		}
		if id = state; announced != nil {
			origin = announced.Origin
			if returnURL == "" {
				returnURL = announced.ReturnURL
			}
		}
	}
	st := &State{ID: id, EnvironmentID: envID, Provider: s.Type, CodeVerifier: oauth2.GenerateVerifier(),
		RedirectURL: cfg.RedirectURL, ReturnURL: returnURL, Origin: origin, ExpiresAt: f.now().Add(f.ttl)}
	if binding != "" {
		st.BindingHash = hash(binding)
	}
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(st.CodeVerifier)}
	if d.OIDC() {
		st.Nonce = random(24)
		opts = append(opts, oidc.Nonce(st.Nonce))
	}
	if d.FormPost {
		opts = append(opts, oauth2.SetAuthURLParam("response_mode", "form_post"))
	}
	if err := f.states.SaveState(ctx, st); err != nil {
		return nil, fmt.Errorf("save login state: %w", err)
	}
	return &Start{URL: cfg.AuthCodeURL(st.ID, opts...), State: st.ID}, nil
}

// Register keeps a state the client made: Dynamic's SDK builds the
// authorize URL itself (with its own state, and its own PKCE verifier for
// the providers it uses PKCE with) and announces the state with initAuth
// before sending the browser away. The state is then single-use and
// expiring like one made here.
func (f *Flow) Register(ctx context.Context, envID string, s Settings, state, returnURL, origin string) error {
	if !validState(state) {
		return ErrBadState
	}
	if _, _, err := f.resolve(ctx, s); err != nil {
		return err
	}
	return f.states.SaveState(ctx, &State{ID: state, EnvironmentID: envID, Provider: s.Type, RedirectURL: s.RedirectURL,
		ReturnURL: returnURL, Origin: origin, ExpiresAt: f.now().Add(f.ttl)})
}

// adopt takes over a state the client announced (initAuth) for this
// environment and provider that nothing has used yet: no verifier kept
// here, no code delivered. It returns nil when the state is new.
func (f *Flow) adopt(ctx context.Context, envID, provider, state string) (*State, error) {
	if !validState(state) {
		return nil, ErrBadState
	}
	st, err := f.states.GetState(ctx, state)
	if errors.Is(err, ErrStateNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if st.EnvironmentID != envID || st.Provider != provider || st.CodeVerifier != "" || st.Code != "" || st.Error != "" ||
		st.BindingHash != "" || !f.now().Before(st.ExpiresAt) {
		return nil, ErrStateExists
	}
	if _, err := f.states.TakeState(ctx, state); err != nil {
		if errors.Is(err, ErrStateNotFound) {
			return nil, ErrStateExists // taken meanwhile
		}
		return nil, err
	}
	return st, nil
}

// validState accepts 16 to 128 URL-safe characters: what clients make,
// short enough to key a row.
func validState(s string) bool {
	if len(s) < 16 || len(s) > 128 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-._~", r)) {
			return false
		}
	}
	return true
}

// Deliver records the code the provider sent to the redirect URL for a
// state of this environment (and provider, unless provider is "": the
// generic callback). The state's code can be delivered once; only that
// code completes the login. Only a redirect provider's state takes one: a
// Telegram state's code is written by TelegramWidget from the widget's
// checked data and names the account it signs in, so a code of anyone's
// making sent to the callback would sign in as anyone.
func (f *Flow) Deliver(ctx context.Context, envID, provider, state, code, userName string) (*State, error) {
	if state == "" || code == "" || len(code) > 4096 || len(userName) > 512 {
		return nil, ErrStateNotFound
	}
	if err := f.deliverable(ctx, envID, provider, state); err != nil {
		return nil, err
	}
	return f.states.DeliverCode(ctx, state, code, userName, f.now())
}

// Refuse records the error the provider sent to the redirect URL in
// place of a code (access_denied, or missing_code for neither) for a
// state Deliver would take a code for, and ends the login with it: the
// state takes no code afterwards and completes no sign-in, whether the
// browser goes back to the application (which reads dynamicOauthError
// and forgets the state) or stays on this server's page (a popup, whose
// oauthResult then answers the login completed with the error). An error
// that is not an OAuth error code's shape is kept as provider_error; the
// state returned carries what was kept, the one value to pass on (the
// application's return URL, the popup's message), never what was sent.
func (f *Flow) Refuse(ctx context.Context, envID, provider, state, providerError string) (*State, error) {
	if state == "" {
		return nil, ErrStateNotFound
	}
	if err := f.deliverable(ctx, envID, provider, state); err != nil {
		return nil, err
	}
	if !errorCode(providerError) {
		providerError = "provider_error"
	}
	return f.states.DeliverError(ctx, state, providerError, f.now())
}

// deliverable refuses a state that is not of this environment and
// provider ("" for any), or not a redirect provider's.
func (f *Flow) deliverable(ctx context.Context, envID, provider, state string) error {
	cur, err := f.states.GetState(ctx, state)
	if err != nil {
		return err
	}
	if cur.EnvironmentID != envID || (provider != "" && cur.Provider != provider) || !slices.Contains(Types(), cur.Provider) {
		return ErrStateMismatch
	}
	return nil
}

// errorCode accepts what OAuth error codes look like (access_denied,
// invalid_scope, Apple's user_cancelled_authorize): up to 64 letters,
// digits, '_', '-' and '.'.
func errorCode(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_-.", r)) {
			return false
		}
	}
	return true
}

// Lookup returns a live state of this environment and provider (for
// oauthResult and Telegram's page).
func (f *Flow) Lookup(ctx context.Context, envID, provider, state string) (*State, error) {
	if state == "" {
		return nil, ErrStateNotFound
	}
	st, err := f.states.GetState(ctx, state)
	if err != nil {
		return nil, err
	}
	if err := f.check(st, envID, provider); err != nil {
		return nil, err
	}
	return st, nil
}

// check refuses an expired state, or one of another environment or
// provider ("" for any).
func (f *Flow) check(st *State, envID, provider string) error {
	if !f.now().Before(st.ExpiresAt) {
		return ErrStateNotFound
	}
	if st.EnvironmentID != envID || (provider != "" && st.Provider != provider) {
		return ErrStateMismatch
	}
	return nil
}

// Callback is what the provider sent back to the redirect URL, or what
