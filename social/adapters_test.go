package social

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"
)

// oauthServer answers as a plain OAuth 2.0 provider with a user endpoint:
// its authorize page approves at once; its token endpoint checks the
// client's credentials the way the provider documents (HTTP Basic or form
// fields) and the PKCE verifier; its user endpoints answer documented JSON
// to the bearer of the access token.
type oauthServer struct {
	srv        *httptest.Server
	basicAuth  bool
	mu         sync.Mutex
	challenges map[string]string // code -> S256 challenge
}

func newOAuthServer(t *testing.T, basicAuth bool, user any, emails any) *oauthServer {
	s := &oauthServer{basicAuth: basicAuth, challenges: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("code_challenge_method") != "S256" || q.Get("client_id") != "cid" {
			http.Error(w, "bad authorize request", 400)
			return
		}
		code := rand.Text()
		s.mu.Lock()
		s.challenges[code] = q.Get("code_challenge")
		s.mu.Unlock()
		back, _ := url.Parse(q.Get("redirect_uri"))
		back.RawQuery = url.Values{"code": {code}, "state": {q.Get("state")}}.Encode()
		http.Redirect(w, r, back.String(), http.StatusFound)
	})
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		id, secret, ok := r.BasicAuth()
		if !s.basicAuth {
			id, secret, ok = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret"), true
		}
		if !ok || id != "cid" || secret != "csecret" {
			w.WriteHeader(401)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_client"})
			return
		}
		s.mu.Lock()
		want, found := s.challenges[r.PostForm.Get("code")]
		delete(s.challenges, r.PostForm.Get("code"))
		s.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if !found || base64.RawURLEncoding.EncodeToString(sum[:]) != want {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(400)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant"})
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at-1", "token_type": "bearer", "expires_in": 3600, "refresh_token": "rt-1"})
	})
	serve := func(v any) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer at-1" {
				w.WriteHeader(401)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(v)
		}
	}
	mux.HandleFunc("/user", serve(user))
	mux.HandleFunc("/user/emails", serve(emails))
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

func TestUserEndpointProviders(t *testing.T) {
	cases := []struct {
		typ    string
		user   any
		emails any
		want   Identity
	}{
		{GitHub, map[string]any{"login": "octocat", "id": 583231, "name": "The Octocat", "email": "public@example.com",
			"avatar_url": "https://avatars.githubusercontent.com/u/583231?v=4"},
			[]map[string]any{{"email": "old@example.com", "primary": false, "verified": false},
				{"email": "Octo@Example.com", "primary": true, "verified": true, "visibility": "public"}},
			Identity{Provider: GitHub, AccountID: "583231", Username: "octocat", DisplayName: "The Octocat",
				Email: "octo@example.com", EmailVerified: true, PictureURL: "https://avatars.githubusercontent.com/u/583231?v=4"}},
		{Discord, map[string]any{"id": "80351110224678912", "username": "nelly", "global_name": "Nelly",
			"avatar": "8342729096ea3675442027381ff50dfe", "email": "nelly@discord.com", "verified": true}, nil,
			Identity{Provider: Discord, AccountID: "80351110224678912", Username: "nelly", DisplayName: "Nelly",
				Email: "nelly@discord.com", EmailVerified: true,
				PictureURL: "https://cdn.discordapp.com/avatars/80351110224678912/8342729096ea3675442027381ff50dfe.png"}},
		{Discord, map[string]any{"id": "1", "username": "u", "email": "unverified@discord.com", "verified": false}, nil,
			Identity{Provider: Discord, AccountID: "1", Username: "u", Email: "unverified@discord.com"}},
		// Names a store could not keep: U+0000 dropped, a byte that is
		// not UTF-8 replaced (JSON carries it as U+FFFD already).
		{GitHub, map[string]any{"login": "oct\x00o", "id": 7, "name": "The\x00 Octo\u00e9"}, []map[string]any{},
			Identity{Provider: GitHub, AccountID: "7", Username: "octo", DisplayName: "The Octoé"}},
		{X, map[string]any{"data": map[string]any{"id": "2244994945", "name": "X Dev", "username": "XDevelopers",
			"profile_image_url": "https://pbs.twimg.com/profile_images/x_normal.jpg"}}, nil,
			Identity{Provider: X, AccountID: "2244994945", Username: "XDevelopers", DisplayName: "X Dev",
				PictureURL: "https://pbs.twimg.com/profile_images/x_normal.jpg"}},
	}
	for _, c := range cases {
		t.Run(c.typ, func(t *testing.T) {
			d, _ := Describe(c.typ)
			srv := newOAuthServer(t, d.AuthStyle != oauth2.AuthStyleInParams, c.user, c.emails)
			s := Settings{Type: c.typ, ClientID: "cid", ClientSecret: "csecret", RedirectURL: testRedirect,
				AuthURL: srv.srv.URL + "/authorize", TokenURL: srv.srv.URL + "/token", UserURL: srv.srv.URL + "/user"}
			if d.EmailsURL != "" {
				s.EmailsURL = srv.srv.URL + "/user/emails"
			}
			states := NewMemoryStates()
			flow := New(Deps{States: states, AllowPrivate: true})
			ctx := context.Background()
			start, err := flow.Begin(ctx, "env", s, "b", "")
			if err != nil {
				t.Fatal(err)
			}
			if u, _ := url.Parse(start.URL); u.Query().Get("nonce") != "" {
				t.Fatal("a nonce sent to a non-OpenID provider")
			}
			id, toks, err := flow.Complete(ctx, "env", s, browse(t, start.URL), "b")
			if err != nil {
				t.Fatal(err)
			}
			if *id != c.want {
				t.Fatalf("identity\n got %+v\nwant %+v", *id, c.want)
			}
			if toks.AccessToken != "at-1" || toks.RefreshToken != "rt-1" || toks.Expiry.IsZero() {
				t.Fatalf("tokens %+v", toks)
			}
			// The provider checks PKCE: a lost verifier fails the exchange.
			start, _ = flow.Begin(ctx, "env", s, "b", "")
			states.Edit(start.State, func(st *State) { st.CodeVerifier = "" })
			if _, _, err := flow.Complete(ctx, "env", s, browse(t, start.URL), "b"); !errors.Is(err, ErrExchange) {
				t.Fatalf("without verifier: %v", err)
			}
		})
	}
}

func appleKey(t *testing.T) (*AppleKey, *ecdsa.PrivateKey) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	p := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	return &AppleKey{TeamID: "TEAM123456", KeyID: "KEY1234567", PrivateKeyPEM: string(p)}, k
}

func TestAppleClientSecret(t *testing.T) {
	ak, k := appleKey(t)
	now := time.Unix(1_800_000_000, 0)
	secret, err := ak.ClientSecret("com.example.web", now)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := jose.ParseSignedCompact(secret, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	if obj.Signatures[0].Header.KeyID != "KEY1234567" {
		t.Fatalf("kid %q", obj.Signatures[0].Header.KeyID)
	}
	payload, err := obj.Verify(&k.PublicKey)
	if err != nil {
		t.Fatalf("not signed by the team's key: %v", err)
	}
	var c map[string]any
	_ = json.Unmarshal(payload, &c)
	if c["iss"] != "TEAM123456" || c["sub"] != "com.example.web" || c["aud"] != AppleIssuer ||
		c["iat"].(float64) != float64(now.Unix()) || c["exp"].(float64) <= c["iat"].(float64) {
		t.Fatalf("claims %v", c)
	}
	for _, bad := range []*AppleKey{{TeamID: "T", KeyID: "K", PrivateKeyPEM: "nope"}, {KeyID: "K", PrivateKeyPEM: ak.PrivateKeyPEM}} {
		if _, err := bad.ClientSecret("x", now); !errors.Is(err, ErrSettings) {
			t.Fatalf("%+v: %v", bad, err)
		}
	}
}

// Apple is an OpenID provider answering with form_post and authenticating
// the client by its ES256 secret: the test provider checks that secret as
// Apple does, with the team's public key.
func TestAppleLoginWithFormPostAndSignedSecret(t *testing.T) {
	f := newOIDCFixture(t)
	ak, k := appleKey(t)
	f.op.CheckSecret(func(secret string) error {
		obj, err := jose.ParseSignedCompact(secret, []jose.SignatureAlgorithm{jose.ES256})
		if err != nil {
			return err
		}
		b, err := obj.Verify(&k.PublicKey)
		if err != nil {
			return err
		}
		var c map[string]any
		_ = json.Unmarshal(b, &c)
		if c["iss"] != ak.TeamID || c["sub"] != testClientID || c["aud"] != AppleIssuer {
			return errors.New("wrong claims")
		}
		return nil
	})
	s := Settings{Type: Apple, ClientID: testClientID, RedirectURL: testRedirect, Issuer: f.op.URL, Apple: ak}
	ctx := context.Background()
	start, err := f.flow.Begin(ctx, "env", s, "b", "")
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := url.Parse(start.URL); u.Query().Get("response_mode") != "form_post" {
		t.Fatalf("no form_post: %s", start.URL)
	}
	cb := browseFormPost(t, start.URL)
	id, _, err := f.flow.Complete(ctx, "env", s, cb, "b")
	if err != nil {
		t.Fatal(err)
	}
	if id.Provider != Apple || id.AccountID != "op-user-1" || !id.EmailVerified {
		t.Fatalf("identity %+v", id)
	}
	if name, err := ParseAppleUser(`{"name":{"firstName":"Ada","lastName":"Lovelace"},"email":"a@b.c"}`); err != nil || name != "Ada Lovelace" {
		t.Fatalf("apple user: %q %v", name, err)
	}
	// Without the key, no secret: the exchange cannot even be tried.
	s.Apple = &AppleKey{TeamID: "T", KeyID: "K", PrivateKeyPEM: "garbage"}
	start, _ = f.flow.Begin(ctx, "env", s, "b", "")
	if _, _, err := f.flow.Complete(ctx, "env", s, browseFormPost(t, start.URL), "b"); !errors.Is(err, ErrSettings) {
		t.Fatalf("bad key: %v", err)
	}
}

func TestTelegramWidget(t *testing.T) {
	const bot = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
	now := time.Unix(1_800_000_000, 0)
	signed := func(fields map[string]string) map[string]string {
		out := map[string]string{}
		keys := []string{}
		for k, v := range fields {
			out[k] = v
			keys = append(keys, k)
		}
		sort.Strings(keys)
		data := ""
		for i, k := range keys {
			if i > 0 {
				data += "\n"
			}
			data += k + "=" + fields[k]
		}
		secret := sha256.Sum256([]byte(bot))
		m := hmac.New(sha256.New, secret[:])
		m.Write([]byte(data))
		out["hash"] = hex.EncodeToString(m.Sum(nil))
		return out
	}
	good := signed(map[string]string{"id": "42", "first_name": "Ada", "last_name": "L", "username": "ada",
		"photo_url": "https://t.me/i/userpic/ada.jpg", "auth_date": strconv.FormatInt(now.Add(-time.Minute).Unix(), 10)})
	id, err := VerifyTelegram(good, bot, now, TelegramMaxAge)
	if err != nil || id.AccountID != "42" || id.Username != "ada" || id.DisplayName != "Ada L" || id.Email != "" {
		t.Fatalf("%+v %v", id, err)
	}
	tampered := map[string]string{}
	for k, v := range good {
		tampered[k] = v
	}
	tampered["id"] = "43"
	stale := signed(map[string]string{"id": "42", "auth_date": strconv.FormatInt(now.Add(-25*time.Hour).Unix(), 10)})
	future := signed(map[string]string{"id": "42", "auth_date": strconv.FormatInt(now.Add(time.Hour).Unix(), 10)})
	for name, fields := range map[string]map[string]string{"tampered": tampered, "stale": stale, "future": future} {
		if _, err := VerifyTelegram(fields, bot, now, TelegramMaxAge); !errors.Is(err, ErrTelegram) {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if _, err := VerifyTelegram(good, "999:other-bot", now, TelegramMaxAge); !errors.Is(err, ErrTelegram) {
		t.Fatalf("another bot's data: %v", err)
	}
}

var hiddenInput = regexp.MustCompile(`name="(state|code)" value="([^"]*)"`)

// browseFormPost is browse for a provider answering with form_post: the
// callback arrives as the fields of an auto-submitted HTML form.
func browseFormPost(t *testing.T, authURL string) Callback {
	t.Helper()
	resp, err := http.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body := make([]byte, 64<<10)
	n, _ := io.ReadFull(resp.Body, body)
	var cb Callback
	for _, m := range hiddenInput.FindAllStringSubmatch(string(body[:n]), -1) {
		v := html.UnescapeString(m[2])
		if m[1] == "state" {
			cb.State = v
		} else {
			cb.Code = v
		}
	}
	if cb.Code == "" {
		t.Fatalf("no form_post answer: %s", body[:n])
	}
	return cb
}
