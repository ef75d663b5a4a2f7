// Package wallets checks what a wallet sign-in proves: it parses the
// message the wallet signed (EIP-4361 "Sign-In with Ethereum" and its
// Solana form) and verifies the signature over it (EIP-191 personal_sign,
// EIP-1271 and EIP-6492 smart-contract wallets, ed25519 for Solana).
//
// It is pure domain code: no SQL, no HTTP. Chain access, when a contract
// wallet needs it, comes in through ChainCaller. Nonce bookkeeping and the
// comparison of the message's fields with the request belong to the caller.
package wallets
