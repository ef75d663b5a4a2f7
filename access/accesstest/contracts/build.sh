#!/usr/bin/env bash
# Regenerates the creation bytecode (*.bin, hex) of the test token contracts
# the gate tests (access, httpapi) deploy on go-ethereum's simulated backend:
#   testdata/TestTokens.sol -> testdata/TestERC20.bin, TestERC721.bin, TestERC1155.bin
# Needs Node.js and the npm registry; solc-js goes into a temporary
# directory. Compiler version and settings are pinned (as in
# wallets/contracts/build.sh) so the output is reproducible.
# Usage: access/accesstest/contracts/build.sh   (from anywhere)
set -euo pipefail

SOLC_VERSION=0.8.28
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

npm install --prefix "$tmp" --no-save --no-audit --no-fund --silent "solc@${SOLC_VERSION}"

cd "$here"
NODE_PATH="$tmp/node_modules" node - <<'JS'
const fs = require("fs");
const solc = require("solc");

const file = "testdata/TestTokens.sol";
const names = ["TestERC20", "TestERC721", "TestERC1155"];
const input = {
  language: "Solidity",
  sources: { [file]: { content: fs.readFileSync(file, "utf8") } },
  settings: {
    evmVersion: "paris",
    optimizer: { enabled: true, runs: 200 },
    metadata: { bytecodeHash: "none" },
    outputSelection: { "*": { "*": ["evm.bytecode.object"] } },
  },
};
const out = JSON.parse(solc.compile(JSON.stringify(input)));
for (const e of out.errors || []) console.error(e.formattedMessage);
if ((out.errors || []).some((e) => e.severity === "error")) process.exit(1);
for (const name of names) {
  const hex = out.contracts[file][name].evm.bytecode.object;
  fs.writeFileSync(`testdata/${name}.bin`, hex + "\n");
  console.log(`testdata/${name}.bin: ${hex.length / 2} bytes (solc ${solc.version()})`);
}
JS
