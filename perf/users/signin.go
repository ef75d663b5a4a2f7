package main

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

// signIn is a wallet sign-in as Dynamic's SDK sends it: GET /nonce, then
// POST /verify of an EIP-4361 message signed with key.
func (e *environment) signIn(ctx context.Context, key *ecdsa.PrivateKey) error {
	var nonce struct {
		Nonce string `json:"nonce"`
	}
	if err := e.sdk(ctx, http.MethodGet, "/nonce", nil, &nonce); err != nil {
		return err
	}
	addr := crypto.PubkeyToAddress(key.PublicKey).Hex()
	msg := fmt.Sprintf("localhost:3000 wants you to sign in with your Ethereum account:\n%s\n\n"+
		"Welcome. Signing is the only way we can truly know that you are the owner of the wallet you are connecting.\n\n"+
		"URI: http://localhost:3000/\nVersion: 1\nChain ID: 1\nNonce: %s\nIssued At: %s\nRequest ID: %s",
		addr, nonce.Nonce, time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), e.envID)
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
	if err := e.sdk(ctx, http.MethodPost, "/verify", body, &out); err != nil {
		return err
	}
	if out.JWT == "" {
		return fmt.Errorf("verify: no minifiedJwt in the answer")
	}
	return nil
}

func (e *environment) sdk(ctx context.Context, method, path string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, e.srv.URL+"/api/v0/sdk/"+e.envID+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Origin", "http://localhost:3000")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %d %.200s", method, path, resp.StatusCode, b)
	}
	return json.Unmarshal(b, out)
}

// signIns signs key in until stop is closed, returning the latencies.
func (e *environment) signIns(ctx context.Context, key *ecdsa.PrivateKey, stop <-chan struct{}, limit int) ([]time.Duration, error) {
	var lat []time.Duration
	for len(lat) < limit {
		select {
		case <-stop:
			return lat, nil
		default:
		}
		start := time.Now()
		if err := e.signIn(ctx, key); err != nil {
			return lat, err
		}
		lat = append(lat, time.Since(start))
	}
	return lat, nil
}
