// The JS stack with ceramic-wasm's features, for its bundle size: the SDK's HTTP, Model and
// document clients, events, DIDs with did:key, CACAOs and the eip191 (SIWE) verifier.
import { CeramicClient } from "@ceramic-sdk/http-client";
import { ModelClient } from "@ceramic-sdk/model-client";
import { ModelInstanceClient } from "@ceramic-sdk/model-instance-client";
import * as events from "@ceramic-sdk/events";
import { DID } from "dids";
import { getAuthenticatedDID } from "@didtools/key-did";
import { Cacao } from "@didtools/cacao";
import { getEIP191Verifier } from "@didtools/pkh-ethereum";
globalThis.stack = { CeramicClient, ModelClient, ModelInstanceClient, events, DID, getAuthenticatedDID, Cacao, getEIP191Verifier };
