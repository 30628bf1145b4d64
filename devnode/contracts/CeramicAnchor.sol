// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.0;

/// The anchor contract as Ceramic nodes use it: the function ceramic-one calls
/// (`anchorDagCbor(bytes32)`, selector 0x97ad09eb) and the event js-ceramic indexes. For local
/// chains in tests; unlike the network's contract, anyone may anchor.
contract CeramicAnchor {
    event DidAnchor(address indexed _service, bytes32 _root);

    function anchorDagCbor(bytes32 _root) external {
        emit DidAnchor(msg.sender, _root);
    }
}
