// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// Minimal token contracts for the gate tests: only what a gate reads
// (balanceOf, ownerOf, decimals, supportsInterface), a mint to set
// balances up and a burn (the holder who sold). Not for production use.

contract TestERC20 {
    mapping(address => uint256) public balanceOf;
    uint8 public immutable decimals;

    constructor(uint8 d) { decimals = d; }

    function mint(address to, uint256 amount) external { balanceOf[to] += amount; }
}

contract TestERC721 {
    mapping(address => uint256) public balanceOf;
    mapping(uint256 => address) private owners;

    function ownerOf(uint256 id) external view returns (address) {
        address o = owners[id];
        require(o != address(0), "no such token");
        return o;
    }

    function mint(address to, uint256 id) external {
        require(owners[id] == address(0), "minted");
        owners[id] = to;
        balanceOf[to] += 1;
    }

    function burn(uint256 id) external {
        address o = owners[id];
        require(o != address(0), "no such token");
        delete owners[id];
        balanceOf[o] -= 1;
    }

    function supportsInterface(bytes4 id) external pure returns (bool) {
        return id == 0x01ffc9a7 || id == 0x80ac58cd; // ERC-165, ERC-721
    }
}

contract TestERC1155 {
    mapping(uint256 => mapping(address => uint256)) private balances;

    function balanceOf(address owner, uint256 id) external view returns (uint256) { return balances[id][owner]; }

    function mint(address to, uint256 id, uint256 amount) external { balances[id][to] += amount; }

    function supportsInterface(bytes4 id) external pure returns (bool) {
        return id == 0x01ffc9a7 || id == 0xd9b67a26; // ERC-165, ERC-1155
    }
}
