// Reading and writing the parts of a wasm binary the build's scripts touch (short-imports.mjs,
// split-part.mjs): LEB128 numbers, names, the section list and the export section.

/** The unsigned LEB128 number at `at`, and where the bytes after it start. */
export function readLeb(buf, at) {
  let value = 0, shift = 0, b;
  do {
    b = buf[at++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return [value, at];
}

/** `n` as unsigned LEB128. */
export function leb(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

/** A name: its byte length, then its UTF-8 bytes. */
export const str = (s) => Buffer.concat([leb(Buffer.byteLength(s)), Buffer.from(s)]);

/** The sections of a module: `{ id, at, body, end }` each (`at`: its id byte; `body`: its contents). */
export function* sections(wasm, path = "module") {
  if (wasm.readUInt32LE(0) !== 0x6d736100) throw new Error(`${path}: not a wasm module`);
  for (let at = 8; at < wasm.length;) {
    const [size, body] = readLeb(wasm, at + 1);
    yield { id: wasm[at], at, body, end: body + size };
    at = body + size;
  }
}

/** A module's exports, name → [kind, index], and where its export section is (`at`, `end`). */
export function exportsOf(wasm) {
  const found = new Map();
  for (const { id, at, body, end } of sections(wasm)) {
    if (id !== 7) continue;
    let [n, p] = readLeb(wasm, body);
    for (; n > 0; n--) {
      const [len, s] = readLeb(wasm, p);
      const [index, next] = readLeb(wasm, s + len + 1);
      found.set(wasm.subarray(s, s + len).toString(), [wasm[s + len], index]);
      p = next;
    }
    return { found, at, end };
  }
  return { found, at: wasm.length, end: wasm.length };
}
