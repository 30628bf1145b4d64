// The benchmark page: ceramic-wasm and the JS SDK bundled together (webpack, production), the same
// loops (cases.mjs) run in one Chromium page. The runner calls window.runBench().
import * as cw from "ceramic-wasm";
import { createInitEvent } from "@ceramic-sdk/model-instance-client";
import { DocumentInitEventPayload } from "@ceramic-sdk/model-instance-protocol";
import { signedEventToContainer, signedEventToCAR } from "@ceramic-sdk/events";
import { StreamID } from "@ceramic-sdk/identifiers";
import { getAuthenticatedDID } from "@didtools/key-did";
import { DID } from "dids";
import { getResolver } from "key-did-resolver";
import { runAll } from "./cases.mjs";

const sdk = { createInitEvent, signedEventToContainer, signedEventToCAR, DocumentInitEventPayload, getAuthenticatedDID, DID, getResolver, StreamID };
window.cw = cw;
window.sdk = sdk;
window.runBench = (opts) => runAll(cw, sdk, { ...opts, log: (m) => console.log(`bench: ${m}`) });
document.body.dataset.ready = "true";
