// Signs in with an EVM wallet from the command line, as a browser wallet
// would through Dynamic's SDK: takes a nonce, signs the SIWE message with
// the private key (ethers) and posts it to /sdk/{env}/verify. Prints the
// HTTP status and the answer (with the JWT's claims decoded), for the
// README's worked examples. Never use a key that holds anything real.
//
//	node conformance/signin.mjs http://127.0.0.1:8080/api/v0 ENV_ID 0xPRIVATE_KEY [CHAIN_ID]
import { Wallet } from "ethers";

const [api, env, key, chainId = "1"] = process.argv.slice(2);
if (!api || !env || !key) {
  console.error("usage: node conformance/signin.mjs API ENV_ID PRIVATE_KEY [CHAIN_ID]");
  process.exit(2);
}
const wallet = new Wallet(key);
const nonce = (await (await fetch(`${api}/sdk/${env}/nonce`)).json()).nonce;
const message = `localhost:3000 wants you to sign in with your Ethereum account:
${wallet.address}

Welcome.

URI: http://localhost:3000/
Version: 1
Chain ID: ${chainId}
Nonce: ${nonce}
Issued At: ${new Date().toISOString()}
Request ID: ${env}`;
const res = await fetch(`${api}/sdk/${env}/verify`, {
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify({
    signedMessage: await wallet.signMessage(message), messageToSign: message, publicWalletAddress: wallet.address,
    chain: "EVM", walletName: "metamask", walletProvider: "browserExtension", network: chainId,
  }),
});
const body = await res.json();
if (body.jwt) {
  body.claims = JSON.parse(Buffer.from(body.jwt.split(".")[1], "base64url").toString());
}
console.log(res.status, JSON.stringify(body.claims ? { scope: body.claims.scope, lists: body.claims.lists } : body));
process.exit(res.ok ? 0 : 1);
