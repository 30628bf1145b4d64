// Imported first by interop.test.mjs: js-ceramic 2.x's packages replace globalThis.fetch with a
// polyfill (cross-fetch) that cannot take the standard Request our client builds; the test keeps
// Node's own fetch for ceramic-wasm (its `fetch` option) and for its own requests.
export const nativeFetch = globalThis.fetch.bind(globalThis);
