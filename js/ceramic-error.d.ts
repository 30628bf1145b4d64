import type { CeramicErrorCode } from "./ceramic_wasm.js";
/** Every error thrown by ceramic-wasm: a real `Error` with a stable `code`. */
export declare class CeramicError extends Error {
  constructor(code: CeramicErrorCode, message: string);
  readonly name: "CeramicError";
  readonly code: CeramicErrorCode;
}
