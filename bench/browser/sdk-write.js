// The JS SDK's write-only stack, for its bundle size: the document client, the HTTP client, did:key.
import { CeramicClient } from "@ceramic-sdk/http-client";
import { ModelInstanceClient } from "@ceramic-sdk/model-instance-client";
import { getAuthenticatedDID } from "@didtools/key-did";
globalThis.stack = { CeramicClient, ModelInstanceClient, getAuthenticatedDID };
