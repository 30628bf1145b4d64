// ES256 and ES256K against an independent implementation: OpenSSL (node:crypto) signs as an
// external wallet, the package checks each signature it is handed (the lazily loaded ECDSA part,
// our own arithmetic) and verifies the events it built. No node: the offline event functions.
import { test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { createInitEvent, verifyEvent, ExternalSigner, CeramicError } from "ceramic-wasm";

const MODEL = "kjzl6hvfrbw6c90uwoyz8j519gxma787qbsfjtrarkr1huq1g1s224k7hopvsyg";

const B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
function base58(bytes) {
  let n = BigInt(`0x${Buffer.from(bytes).toString("hex")}`);
  let out = "";
  while (n > 0n) {
    out = B58[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = `1${out}`;
  }
  return out;
}

// The did:key of an OpenSSL key: multicodec (varint) + SEC1 compressed point, base58btc.
function didKey(publicKey, codec) {
  const { x, y } = publicKey.export({ format: "jwk" });
  const yBytes = Buffer.from(y, "base64url");
  const point = Buffer.concat([Buffer.from([2 + (yBytes[31] & 1)]), Buffer.from(x, "base64url")]);
  return `did:key:z${base58(Buffer.concat([Buffer.from(codec), point]))}`;
}

// n - s: the high-S twin of a raw r‖s signature.
function highS(sig, n) {
  const s = BigInt(`0x${Buffer.from(sig.subarray(32)).toString("hex")}`);
  const t = Buffer.from((n - s).toString(16).padStart(64, "0"), "hex");
  return new Uint8Array(Buffer.concat([sig.subarray(0, 32), t]));
}

const CURVES = [
  { alg: "ES256", name: "prime256v1", codec: [0x80, 0x24], prefix: "did:key:zDn",
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n },
  { alg: "ES256K", name: "secp256k1", codec: [0xe7, 0x01], prefix: "did:key:zQ3s",
    n: 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n },
];

for (const { alg, name, codec, prefix, n } of CURVES) {
  test(`${alg}: events signed by OpenSSL are accepted and verify; a wrong signature is caught`, async () => {
    const { privateKey, publicKey } = crypto.generateKeyPairSync("ec", { namedCurve: name });
    const did = didKey(publicKey, codec);
    assert.ok(did.startsWith(prefix), did);
    const openssl = (bytes) => new Uint8Array(crypto.sign("sha256", bytes, { key: privateKey, dsaEncoding: "ieee-p1363" }));

    for (let i = 0; i < 5; i++) {
      // High-S half the time: accepted, as ceramic-one and js-did accept it.
      const signer = new ExternalSigner({ did, alg, sign: async (bytes) => (i % 2 ? highS(openssl(bytes), n) : openssl(bytes)) });
      const { car } = await createInitEvent({ model: MODEL, content: { title: `${alg} ${i}` }, signer });
      const checks = await verifyEvent(car);
      const sig = checks.find((c) => c.kind === "signature");
      assert.ok(sig?.detail.includes(`${alg} signature by ${did}`), JSON.stringify(checks));
    }

    // A signature by another key, or over other bytes, is caught before the event is returned.
    const other = crypto.generateKeyPairSync("ec", { namedCurve: name }).privateKey;
    for (const sign of [
      async (bytes) => new Uint8Array(crypto.sign("sha256", bytes, { key: other, dsaEncoding: "ieee-p1363" })),
      async (bytes) => openssl(Buffer.concat([bytes, Buffer.from("!")])),
    ]) {
      const wrong = new ExternalSigner({ did, alg, sign });
      await assert.rejects(createInitEvent({ model: MODEL, content: { title: "x" }, signer: wrong }),
        (e) => e instanceof CeramicError && e.code === "SIGNER_FAILED");
    }
  });
}
