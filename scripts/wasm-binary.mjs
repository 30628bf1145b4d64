// Reading and writing the parts of a wasm binary the build's scripts touch (short-imports.mjs,
// split-part.mjs, data-refs.mjs, table-slots.mjs, order-functions.mjs): LEB128 numbers, names,
// the section list, the export section, the function names, the active data segments and the
// element segments.

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

/** The signed LEB128 number at `at`, and where the bytes after it start. */
export function readSleb(buf, at) {
  let value = 0n, shift = 0n, b;
  do {
    b = buf[at++];
    value |= BigInt(b & 0x7f) << shift;
    shift += 7n;
  } while (b & 0x80);
  if (b & 0x40) value -= 1n << shift;
  return [Number(value), at];
}

/** `n` (0 ≤ n < 2^31) as signed LEB128. */
export function sleb(n) {
  const out = [];
  for (;;) {
    const b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n === 0 && !(b & 0x40)) return Buffer.from([...out, b]);
    out.push(b | 0x80);
  }
}

/** A name: its byte length, then its UTF-8 bytes. */
export const str = (s) => Buffer.concat([leb(Buffer.byteLength(s)), Buffer.from(s)]);

/** The name at `at`, and where the bytes after it start. */
export function readStr(buf, at) {
  const [len, from] = readLeb(buf, at);
  return [buf.subarray(from, from + len).toString(), from + len];
}

/**
 * Where an import's description ends, from its kind byte at `at`: a function's type index, a
 * table's reference type and limits, a memory's limits, a global's value type and mutability.
 */
export function skipImport(buf, at) {
  const kind = buf[at++];
  if (kind === 0) return readLeb(buf, at)[1];
  if (kind === 1) at++;
  if (kind === 3) return at + 2;
  const flags = buf[at++];
  at = readLeb(buf, at)[1];
  return flags & 1 ? readLeb(buf, at)[1] : at;
}

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

/**
 * A module's function imports and bodies: `imported` (how many functions are imported: the first
 * defined function's index), `body` (where the code section's contents start) and `bodies`, each
 * defined function's `{ from, to }` in `wasm` (its size's LEB128 included from `from`).
 */
export function functionBodies(wasm, path = "module") {
  let imported = 0, body = -1;
  const bodies = [];
  for (const s of sections(wasm, path)) {
    if (s.id === 2) {
      let [n, p] = readLeb(wasm, s.body);
      for (; n > 0; n--) {
        for (let k = 0; k < 2; k++) p = readStr(wasm, p)[1];
        if (wasm[p] > 3) throw new Error(`${path}: import kind ${wasm[p]}`);
        if (wasm[p] === 0) imported++;
        p = skipImport(wasm, p);
      }
    } else if (s.id === 10) {
      body = s.body;
      let [n, p] = readLeb(wasm, s.body);
      for (; n > 0; n--) {
        const [size, at] = readLeb(wasm, p);
        bodies.push({ from: p, to: at + size });
        p = at + size;
      }
    }
  }
  return { imported, body, bodies };
}

/** The function names of a module's `name` section, index → name (empty without one). */
export function functionNames(wasm, path = "module") {
  const names = new Map();
  for (const { id, body, end } of sections(wasm, path)) {
    if (id !== 0) continue;
    const [name, at] = readStr(wasm, body);
    if (name !== "name") continue;
    for (let p = at; p < end;) {
      const [size, sub] = readLeb(wasm, p + 1);
      if (wasm[p] === 1) {
        let [n, q] = readLeb(wasm, sub);
        for (; n > 0; n--) {
          let index, fn;
          [index, q] = readLeb(wasm, q);
          [fn, q] = readStr(wasm, q);
          names.set(index, fn);
        }
      }
      p = sub + size;
    }
  }
  return names;
}

/** `wasm` with its `name` section (which must be there) holding only the function names `names`. */
export function withFunctionNames(wasm, names, path = "module") {
  const entries = [...names].map(([index, name]) => Buffer.concat([leb(index), str(name)]));
  const sub = Buffer.concat([leb(entries.length), ...entries]);
  const section = Buffer.concat([str("name"), Buffer.from([1]), leb(sub.length), sub]);
  return withSection(wasm, 0, (body) => readStr(wasm, body)[0] === "name", section, "name", path);
}

/**
 * `wasm` with the one section of id `id` that `is(body)` picks (it must be there, once) holding
 * `contents` instead.
 */
function withSection(wasm, id, is, contents, what, path) {
  const out = [wasm.subarray(0, 8)];
  let found = 0;
  for (const s of sections(wasm, path)) {
    if (s.id === id && is(s.body)) {
      out.push(Buffer.from([id]), leb(contents.length), contents);
      found++;
    } else {
      out.push(wasm.subarray(s.at, s.end));
    }
  }
  if (found !== 1) throw new Error(`${path}: ${found} ${what} sections`);
  return Buffer.concat(out);
}

/**
 * A module's active data segments, each `{ addr, from, to }` (its bytes are `wasm[from..to)`), and
 * where its data section and that section's contents start (`at`, `body`; -1 without one). Only
 * what a linker writes: segments of memory 0 at a constant address.
 */
export function dataSegments(wasm, path = "module") {
  for (const { id, at, body } of sections(wasm, path)) {
    if (id !== 11) continue;
    const segments = [];
    let [n, p] = readLeb(wasm, body);
    for (; n > 0; n--) {
      if (wasm[p] !== 0 || wasm[p + 1] !== 0x41) throw new Error(`${path}: a data segment not at a constant address`);
      const [addr, q] = readSleb(wasm, p + 2);
      if (wasm[q] !== 0x0b || addr < 0) throw new Error(`${path}: a data segment's offset is not one constant`);
      const [size, from] = readLeb(wasm, q + 1);
      segments.push({ addr, from, to: from + size });
      p = from + size;
    }
    return { segments, at, body };
  }
  return { segments: [], at: -1, body: -1 };
}

/**
 * A module's element segments, each `{ offset, funcs }`: the function indices written into table
 * 0 from slot `offset` on. Only what a linker writes: active segments of table 0 at a constant
 * slot, listing function indices (flags 0).
 */
export function elementSegments(wasm, path = "module") {
  for (const { id, body } of sections(wasm, path)) {
    if (id !== 9) continue;
    const segments = [];
    let [n, p] = readLeb(wasm, body);
    for (; n > 0; n--) {
      if (wasm[p] !== 0 || wasm[p + 1] !== 0x41) throw new Error(`${path}: an element segment not of table 0 at a constant slot`);
      const [offset, q] = readSleb(wasm, p + 2);
      if (wasm[q] !== 0x0b || offset < 0) throw new Error(`${path}: an element segment's offset is not one constant`);
      let [k, r] = readLeb(wasm, q + 1);
      const funcs = [];
      for (; k > 0; k--) {
        let f;
        [f, r] = readLeb(wasm, r);
        funcs.push(f);
      }
      segments.push({ offset, funcs });
      p = r;
    }
    return segments;
  }
  return [];
}

/** `wasm` with its element section (which must be there) holding `segments` (as `elementSegments` reads them). */
export function withElementSegments(wasm, segments, path = "module") {
  const bodies = segments.map(({ offset, funcs }) =>
    Buffer.concat([Buffer.from([0, 0x41]), sleb(offset), Buffer.from([0x0b]), leb(funcs.length), ...funcs.map(leb)]),
  );
  const section = Buffer.concat([leb(segments.length), ...bodies]);
  return withSection(wasm, 9, () => true, section, "element", path);
}
