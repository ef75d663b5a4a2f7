package social

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Telegram is the provider type of the Telegram login widget.
const Telegram = "telegram"

// ErrTelegram refuses widget data that is not Telegram's or is stale.
var ErrTelegram = errors.New("social: telegram login data refused")

// TelegramMaxAge is how old the widget's auth_date may be.
const TelegramMaxAge = 24 * time.Hour

// VerifyTelegram checks login widget data (every field Telegram sent,
// hash included) against the bot token: HMAC-SHA256 over the sorted
// "key=value" lines, keyed with SHA-256 of the token, and auth_date no
// older than maxAge (nor in the future).
func VerifyTelegram(fields map[string]string, botToken string, now time.Time, maxAge time.Duration) (*Identity, error) {
	if botToken == "" {
		return nil, fmt.Errorf("%w: no bot token configured", ErrSettings)
	}
	got, err := hex.DecodeString(fields["hash"])
	if err != nil || len(got) != sha256.Size {
		return nil, fmt.Errorf("%w: hash missing or malformed", ErrTelegram)
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		if k != "hash" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	lines := make([]string, len(keys))
	for i, k := range keys {
		lines[i] = k + "=" + fields[k]
	}
	secret := sha256.Sum256([]byte(botToken))
	mac := hmac.New(sha256.New, secret[:])
	mac.Write([]byte(strings.Join(lines, "\n")))
	if !hmac.Equal(mac.Sum(nil), got) {
		return nil, fmt.Errorf("%w: hash does not match", ErrTelegram)
	}
	ts, err := strconv.ParseInt(fields["auth_date"], 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%w: auth_date missing", ErrTelegram)
	}
	// Telegram's widget counts seconds; Dynamic's sample bot, which signs
	// telegramAuthToken, counts milliseconds. 1e11 s is in the year 5138.
	if ts > 1e11 {
		ts /= 1000
	}
	at := time.Unix(ts, 0)
	if now.Sub(at) > maxAge || at.After(now.Add(time.Minute)) {
		return nil, fmt.Errorf("%w: auth_date %s is not fresh", ErrTelegram, at.UTC().Format(time.RFC3339))
	}
	if fields["id"] == "" {
		return nil, fmt.Errorf("%w: no id", ErrTelegram)
	}
	name := strings.TrimSpace(fields["first_name"] + " " + fields["last_name"])
	id := &Identity{Provider: Telegram, AccountID: fields["id"], Username: fields["username"], DisplayName: name,
		PictureURL: fields["photo_url"]}
	id.clean()
	return id, nil
}
