#!/usr/bin/env bash
# Regenerates testdata/TestIdRegistry.bin (creation bytecode, hex) from
# testdata/TestIdRegistry.sol with solc-js installed into a temporary
# directory; compiler and settings pinned as in wallets/contracts/build.sh.
# Usage: farcaster/farcastertest/contracts/build.sh   (from anywhere)
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
const file = "testdata/TestIdRegistry.sol";
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
const hex = out.contracts[file].TestIdRegistry.evm.bytecode.object;
fs.writeFileSync("testdata/TestIdRegistry.bin", hex + "\n");
console.log(`testdata/TestIdRegistry.bin: ${hex.length / 2} bytes (solc ${solc.version()})`);
JS
