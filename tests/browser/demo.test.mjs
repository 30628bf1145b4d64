// The demo page in real headless Chromium (Debian's, driven by playwright-core) against a
// ceramic-devnode: create a key, a model and a document, update it, verify it in the page.
// Saves a screenshot to .artifacts/demo.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { launchChromium } from "./chromium.mjs";
import { startDevnode } from "../js/devnode.mjs";
import { startAnvil, ANCHOR_KEY } from "../js/anvil.mjs";
import { serve } from "../../scripts/serve.mjs";

const root = new URL("../..", import.meta.url).pathname;
let node, web, browser;

before(async () => {
  node = await startDevnode(["--anchor-interval", "1"]);
  web = await serve(`${root}/www/dist`);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  web?.close();
  await node?.stop();
});

test("create, update and verify a document in the demo page", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  // Nothing the page loads fails, and the console stays clean (a missing favicon logs an error).
  page.on("console", (m) => { if (m.type() === "error") errors.push(`console: ${m.text()}`); });
  page.on("response", (r) => { if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`); });
  page.on("requestfailed", (r) => errors.push(`failed: ${r.url()}`));
  const { port } = web.address();
  await page.goto(`http://127.0.0.1:${port}/?node=${encodeURIComponent(node.url)}`);
  await page.waitForFunction(() => document.body.dataset.ready === "true");
  await page.waitForSelector("#node-status.ok");
  assert.match(await page.textContent("#node-status"), /connected: ceramic API 0\.58\.0, network inmemory/);

  await page.click("#generate");
  assert.match(await page.textContent("#did"), /^did:key:z6Mk/);
  await page.click("#create-model");
  await page.waitForFunction(() => document.getElementById("model-id").textContent.startsWith("k"));
  await page.click("#create-doc");
  await page.waitForFunction(() => document.getElementById("doc-id").textContent.startsWith("k"));
  await page.fill("#content", JSON.stringify({ title: "Edited in Chromium", body: "verified in the page" }));
  await page.click("#save-doc");
  await page.waitForFunction(() => document.getElementById("commit-id").textContent.startsWith("k"));
  await new Promise((r) => setTimeout(r, 2300)); // let the node anchor it
  await page.click("#verify");
  await page.waitForSelector("#verify-status.ok");
  const status = await page.textContent("#verify-status");
  assert.match(status, /verified: \d+ checks passed; anchor: local; node claim matches/);
  assert.equal(JSON.parse(await page.inputValue("#content")).title, "Edited in Chromium");
  assert.equal(await page.locator("#log li").count(), 3);
  assert.match(await page.locator("#log li").nth(2).textContent(), /^time \S+: anchored on the development chain inmemory:0/);
  assert.ok((await page.locator("#checks tr").count()) >= 8);
  await page.waitForFunction(() => document.querySelectorAll("#feed li").length >= 3);

  mkdirSync(`${root}/.artifacts`, { recursive: true });
  await page.screenshot({ path: `${root}/.artifacts/demo.png`, fullPage: true });
  assert.deepEqual(errors, []);
});

test("the page says clearly when the node is unreachable", async () => {
  const page = await browser.newPage();
  const { port } = web.address();
  await page.goto(`http://127.0.0.1:${port}/?node=${encodeURIComponent("http://127.0.0.1:9")}`);
  await page.waitForSelector("#node-status.bad");
  assert.match(await page.textContent("#node-status"), /Cannot reach the node at http:\/\/127\.0\.0\.1:9 \(NETWORK\)/);
});

test("with an Ethereum RPC, the page checks anchors on chain and shows the proof", async () => {
  const chain = await startAnvil();
  const contract = await chain.installAtCeramicAddress();
  const evmNode = await startDevnode(["--anchor-interval", "1", "--evm-rpc-url", chain.url, "--evm-private-key", ANCHOR_KEY,
    "--evm-chain-id", "31337", "--evm-contract-address", contract, "--evm-confirmations", "1"]);
  try {
    const page = await browser.newPage();
    const { port } = web.address();
    await page.goto(`http://127.0.0.1:${port}/?node=${encodeURIComponent(evmNode.url)}&eth=${encodeURIComponent(chain.url)}`);
    await page.waitForSelector("#node-status.ok");
    await page.click("#generate");
    await page.click("#create-model");
    await page.waitForFunction(() => document.getElementById("model-id").textContent.startsWith("k"));
    await page.click("#create-doc");
    await page.waitForFunction(() => document.getElementById("doc-id").textContent.startsWith("k"));
    // Verify until the node has anchored it on the chain (bounded: 40 × 0.5 s).
    let status = "";
    for (let i = 0; i < 40 && !/anchor: chain/.test(status); i++) {
      await new Promise((r) => setTimeout(r, 500));
      await page.click("#verify");
      await page.waitForSelector("#verify-status.ok, #verify-status.bad");
      status = await page.textContent("#verify-status");
    }
    assert.match(status, /verified: \d+ checks passed; anchor: chain; node claim matches/);
    const line = await page.locator("#log li").nth(1).textContent();
    assert.match(line, /^time \S+: anchored on eip155:31337 at \d{4}-\d\d-\d\dT[\d:.]+Z, block \d+, tx 0x[0-9a-f]{64}$/);
    const tx = line.match(/tx (0x[0-9a-f]{64})/)[1];
    const onChain = await chain.rpc("eth_getTransactionByHash", [tx]);
    assert.equal(onChain.to.toLowerCase(), contract.toLowerCase());
    assert.match(line, new RegExp(`block ${Number(onChain.blockNumber)},`));
  } finally {
    await evmNode.stop();
    await chain.stop();
  }
});
