// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

/// @notice Test-only smart wallet: accepts a hash signed by its owner's
/// key (EIP-1271). Real wallets add replay protection; tests don't need it.
contract TestSmartWallet {
    address public immutable owner;

    constructor(address owner_) {
        owner = owner_;
    }

    function isValidSignature(bytes32 hash, bytes calldata sig) external view returns (bytes4) {
        if (sig.length != 65) {
            return 0xffffffff;
        }
        bytes32 r = bytes32(sig[0:32]);
        bytes32 s = bytes32(sig[32:64]);
        uint8 v = uint8(sig[64]);
        if (v < 27) {
            v += 27;
        }
        address signer = ecrecover(hash, v, r, s);
        if (signer == address(0) || signer != owner) {
            return 0xffffffff;
        }
        return 0x1626ba7e;
    }
}

/// @notice Test-only CREATE2 factory: the wallet's address depends only on
/// (factory, salt, owner), so it is known before deployment (EIP-6492).
contract TestWalletFactory {
    function deploy(address owner, bytes32 salt) external returns (address) {
        return address(new TestSmartWallet{salt: salt}(owner));
    }
}
