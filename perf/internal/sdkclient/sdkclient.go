// Package sdkclient is the load generators' side of the API (perf/signin,
// perf/users): one JSON request, and a wallet sign-in as Dynamic's SDK
// sends it.
package sdkclient

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/crypto"
)

// Origin is the app origin the sign-ins come from (the test environments
// allow it, and the SIWE domain is bound to it).
const Origin = "http://localhost:3000"

// Call sends one request to url with header (body, if not nil, as JSON)
// and decodes a 200 answer into out, if set; any other status is an error
// carrying the start of the answer.
func Call(ctx context.Context, hc *http.Client, method, url string, header http.Header, body []byte, out any) error {
	b, err := send(ctx, hc, method, url, header, body)
	if err != nil || out == nil {
		return err
	}
	return json.Unmarshal(b, out)
}

func send(ctx context.Context, hc *http.Client, method, url string, header http.Header, body []byte) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: %d %.300s", method, url, resp.StatusCode, b)
	}
	return b, nil
}

// SignIn is GET /nonce, then POST /verify of an EIP-4361 message signed
// with key (EIP-191), under sdkBase (".../api/v0/sdk/{envID}"), through s.
func SignIn(ctx context.Context, s Sender, sdkBase, envID string, key *ecdsa.PrivateKey) error {
	header := http.Header{"Origin": {Origin}}
	var nonce struct {
		Nonce string `json:"nonce"`
	}
	b, err := s.Send(ctx, http.MethodGet, sdkBase+"/nonce", header, nil)
	if err == nil {
		err = json.Unmarshal(b, &nonce)
	}
	if err != nil {
		return err
	}
	addr := crypto.PubkeyToAddress(key.PublicKey).Hex()
	msg := fmt.Sprintf("localhost:3000 wants you to sign in with your Ethereum account:\n%s\n\n"+
		"Welcome. Signing is the only way we can truly know that you are the owner of the wallet you are connecting.\n\n"+
		"URI: http://localhost:3000/\nVersion: 1\nChain ID: 1\nNonce: %s\nIssued At: %s\nRequest ID: %s",
		addr, nonce.Nonce, time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), envID)
	sig, err := crypto.Sign(accounts.TextHash([]byte(msg)), key)
	if err != nil {
		return err
	}
	sig[64] += 27
	body, _ := json.Marshal(map[string]string{"signedMessage": fmt.Sprintf("0x%x", sig), "messageToSign": msg,
		"publicWalletAddress": addr, "chain": "EVM", "walletName": "metamask", "walletProvider": "browserExtension", "network": "1"})
	var out struct {
		JWT string `json:"minifiedJwt"`
	}
	if b, err = s.Send(ctx, http.MethodPost, sdkBase+"/verify", header, body); err == nil {
		err = json.Unmarshal(b, &out)
	}
	if err != nil {
		return err
	}
	if out.JWT == "" {
		return fmt.Errorf("verify: no minifiedJwt in the answer")
	}
	return nil
}
