// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// TestIdRegistry stands in for Farcaster's IdRegistry (Optimism,
// 0x00000000Fc6c5F01Fc30151999387Bb99A9f489b) in tests: the reads sign-in
// makes (idOf, custodyOf) with the real signatures, and register/transfer
// without the real registry's signatures and gateways, so a test can give
// an fid to an address and move it away.
contract TestIdRegistry {
    mapping(address => uint256) public idOf;
    mapping(uint256 => address) public custodyOf;
    uint256 public idCounter;

    function register(address to) external returns (uint256 fid) {
        require(idOf[to] == 0, "has an fid");
        fid = ++idCounter;
        idOf[to] = fid;
        custodyOf[fid] = to;
    }

    function transfer(uint256 fid, address to) external {
        require(idOf[to] == 0, "has an fid");
        address from = custodyOf[fid];
        require(from != address(0), "no such fid");
        idOf[from] = 0;
        idOf[to] = fid;
        custodyOf[fid] = to;
    }
}
