#!/usr/bin/env bash
# Regenerates the creation bytecode (*.bin, hex) that the wallets package
# embeds, from the Solidity sources beside this script:
#   UniversalSigValidator.sol      -> UniversalSigValidator.bin (production)
#   testdata/TestWallet.sol        -> testdata/TestSmartWallet.bin,
#                                     testdata/TestWalletFactory.bin (tests)
# Needs Node.js and the npm registry. solc-js is installed into a temporary
# directory, so no node_modules ends up in the tree. The compiler version and
# settings are pinned so the output is reproducible; EVM "paris" avoids
# PUSH0/MCOPY, which some chains still lack (the validator runs on whatever
# chain an operator configures).
# Usage: wallets/contracts/build.sh   (from anywhere)
set -euo pipefail

SOLC_VERSION=0.8.28
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

npm install --prefix "$tmp" --no-save --no-audit --no-fund --silent "solc@${SOLC_VERSION}"

cd "$here"
NODE_PATH="$tmp/node_modules" node - <<'JS'
const fs = require("fs");
const path = require("path");
const solc = require("solc");

// source file -> contracts to write (name -> output .bin path)
const targets = {
  "UniversalSigValidator.sol": { UniversalSigValidator: "UniversalSigValidator.bin" },
  "testdata/TestWallet.sol": {
    TestSmartWallet: "testdata/TestSmartWallet.bin",
    TestWalletFactory: "testdata/TestWalletFactory.bin",
  },
};

const sources = {};
for (const file of Object.keys(targets)) {
  sources[file] = { content: fs.readFileSync(file, "utf8") };
}
const input = {
  language: "Solidity",
  sources,
  settings: {
    evmVersion: "paris",
    optimizer: { enabled: true, runs: 200 },
    // no metadata hash: comment edits should not change the bytecode
    metadata: { bytecodeHash: "none" },
    outputSelection: { "*": { "*": ["evm.bytecode.object"] } },
  },
};

const out = JSON.parse(solc.compile(JSON.stringify(input)));
const problems = (out.errors || []).filter((e) => e.severity === "error");
for (const e of out.errors || []) console.error(e.formattedMessage);
if (problems.length > 0) process.exit(1);

for (const [file, contracts] of Object.entries(targets)) {
  for (const [name, dest] of Object.entries(contracts)) {
    const hex = out.contracts[file][name].evm.bytecode.object;
    fs.writeFileSync(path.join(".", dest), hex + "\n");
    console.log(`${dest}: ${hex.length / 2} bytes (solc ${solc.version()})`);
  }
}
JS
