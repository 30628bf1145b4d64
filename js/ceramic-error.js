// The one error class of ceramic-wasm: every failure is a CeramicError with a stable `code`.
export class CeramicError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "CeramicError";
    this.code = code;
  }
}
