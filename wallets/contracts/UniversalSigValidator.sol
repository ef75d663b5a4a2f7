// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

/// @title UniversalSigValidator
/// @notice A "deployless" EIP-6492 signature checker. It is never deployed:
/// the server runs its creation code in an eth_call with no `to`, and the
/// constructor's return data (one ABI-encoded bool) is the answer. That lets
/// one eth_call deploy a counterfactual wallet through its factory and ask
/// the wallet about the signature, all inside a simulation that leaves no
/// trace on chain.
/// @dev The constructor never reverts because of what the signature holds:
/// every failure (factory call, missing code, wallet revert, wrong magic) is
/// a `false`, so an eth_call error always means an RPC problem. Callers must
/// pass an ABI-canonical EIP-6492 wrapper (the Go side re-encodes it), since
/// abi.decode of malformed bytes would revert.
contract UniversalSigValidator {
    bytes32 private constant ERC6492_SUFFIX =
        0x6492649264926492649264926492649264926492649264926492649264926492;
    bytes4 private constant ERC1271_MAGIC = 0x1626ba7e;

    constructor(address signer, bytes32 hash, bytes memory signature) {
        bool ok = _isValid(signer, hash, signature);
        assembly {
            mstore(0, ok)
            return(0, 32)
        }
    }

    function _isValid(address signer, bytes32 hash, bytes memory signature) private returns (bool) {
        if (!_hasSuffix(signature)) {
            return _isValid1271(signer, hash, signature);
        }
        (address factory, bytes memory factoryCalldata, bytes memory inner) =
            abi.decode(_withoutSuffix(signature), (address, bytes, bytes));
        // A deployed wallet may accept the signature as it stands; only if it
        // does not do we run the factory calldata (a deployment, or the
        // "prepare" call EIP-6492 allows for already deployed wallets).
        if (signer.code.length > 0 && _isValid1271(signer, hash, inner)) {
            return true;
        }
        (bool called,) = factory.call(factoryCalldata);
        if (!called) {
            return false;
        }
        return _isValid1271(signer, hash, inner);
    }

    /// @dev Low-level staticcall rather than an interface call: a missing
    /// contract, a revert or short return data must all read as `false`,
    /// and try/catch does not catch return-data decoding failures.
    function _isValid1271(address signer, bytes32 hash, bytes memory signature) private view returns (bool) {
        if (signer.code.length == 0) {
            return false;
        }
        (bool success, bytes memory ret) =
            signer.staticcall(abi.encodeWithSelector(ERC1271_MAGIC, hash, signature));
        if (!success || ret.length < 32) {
            return false;
        }
        bytes32 word;
        assembly {
            word := mload(add(ret, 32))
        }
        return bytes4(word) == ERC1271_MAGIC;
    }

    function _hasSuffix(bytes memory signature) private pure returns (bool) {
        uint256 n = signature.length;
        if (n < 32) {
            return false;
        }
        bytes32 tail;
        assembly {
            tail := mload(add(signature, n))
        }
        return tail == ERC6492_SUFFIX;
    }

    /// @dev Shortens the bytes in place: the signature is not used again.
    function _withoutSuffix(bytes memory signature) private pure returns (bytes memory) {
        assembly {
            mstore(signature, sub(mload(signature), 32))
        }
        return signature;
    }
}
