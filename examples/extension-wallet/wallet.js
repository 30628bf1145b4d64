// The wallet's page: the action popup (create, unlock, lock the key) and, opened by the service
// worker as wallet.html?request=<id>, the approval prompt for a site's request. It only shows and
// asks: the key and every decision's effect stay in the service worker.
const $ = (id) => document.getElementById(id);
const requestId = new URLSearchParams(location.search).get("request");

async function send(msg) {
  const reply = await chrome.runtime.sendMessage(msg);
  if (reply?.error) throw Object.assign(new Error(reply.error.message), { code: reply.error.code });
  return reply?.result;
}

function row(term, value, className) {
  const dt = document.createElement("dt");
  dt.textContent = term;
  const dd = document.createElement("dd");
  if (value instanceof Node) dd.append(value);
  else dd.textContent = value;
  if (className) dd.className = className;
  $("details").append(dt, dd);
}

function json(value) {
  const pre = document.createElement("pre");
  pre.textContent = JSON.stringify(value, null, 2);
  return pre;
}

/** A JSON-Patch as lines a person reads: "replace /title → "new"". */
function patchView(patch) {
  const pre = document.createElement("pre");
  for (const op of patch) {
    const line = document.createElement("div");
    line.className = `op-${op.op}`;
    // Each operation as it acts: move and copy take \`from\`, the others \`value\`. JSON.stringify
    // escapes control characters, so a path cannot hide a line break.
    const path = JSON.stringify(op.path);
    line.textContent = op.op === "move" || op.op === "copy"
      ? `${op.op} ${JSON.stringify(op.from)} → ${path}`
      : op.op === "remove" ? `remove ${path}` : `${op.op} ${path} → ${JSON.stringify(op.value)}`;
    pre.append(line);
  }
  return pre;
}

const METAMODEL = "kh4q0ozorrgaq2mezktnrmdwleo1d";

function showRequest(req) {
  $("request").hidden = false;
  $("origin").textContent = req.origin;
  if (req.method === "ceramic_connect") {
    $("request-title").textContent = "Connect to this site?";
    row("Shares", "your DID (public), to ask for signatures later");
    return;
  }
  const { info } = req;
  if (info.kind === "init") {
    const isModel = info.model === METAMODEL;
    $("request-title").textContent = isModel ? "Create a Model" : "Create a document";
    if (!isModel) row("Model", info.model);
    row("Controller", info.controller);
    row(isModel ? "Definition" : "Content", json(info.content));
  } else {
    $("request-title").textContent = "Update a document";
    row("Document", info.stream);
    // Which Model and site, if this wallet signed the document's creation (the update itself
    // does not name its Model).
    row("Model", req.known ? req.known.model : "unknown: not created with this wallet");
    if (req.known) row("Created from", `${req.known.origin}, ${new Date(req.known.at).toLocaleString()}`);
    row("Follows", info.prev);
    row("Changes", patchView(info.patch));
  }
  row("Signed by", info.kid);
  if (info.capability) row("Under capability", info.capability);
}

function showKey(s) {
  $("key-status").textContent = !s.hasKey
    ? "No key yet: choose a passphrase to create one (it encrypts the key on this device)."
    : s.unlocked ? `Unlocked: ${s.did}` : `Locked: ${s.did}. Enter the passphrase.`;
  $("pass-label").hidden = s.unlocked && s.hasKey;
  $("passphrase").autocomplete = s.hasKey ? "current-password" : "new-password";
}

async function render() {
  try {
    if (requestId) {
      const req = await send({ type: "pending", id: requestId });
      showRequest(req);
      showKey(req);
      $("approve").hidden = $("reject").hidden = false;
      $("approve").textContent = !req.hasKey ? "Create key & approve" : req.unlocked ? "Approve" : "Unlock & approve";
      // Nothing is approved by a keypress that was meant for the page: Approve is not focused,
      // and it is enabled only after the prompt has been in front for a moment.
      const arm = () => {
        $("approve").disabled = true;
        clearTimeout(arm.timer);
        arm.timer = setTimeout(() => ($("approve").disabled = false), 700);
      };
      arm();
      addEventListener("focus", arm);
      $(req.unlocked && req.hasKey ? "reject" : "passphrase").focus();
      // Keeps the service worker running while the user reads.
      const port = chrome.runtime.connect({ name: "prompt" });
      setInterval(() => port.postMessage("ping"), 20_000);
    } else {
      const s = await send({ type: "status" });
      showKey(s);
      $("create").hidden = s.hasKey;
      $("unlock").hidden = !s.hasKey || s.unlocked;
      $("lock").hidden = !s.unlocked;
    }
  } catch (e) {
    $("error").textContent = e.message;
  }
}

async function act(msg) {
  $("error").textContent = "";
  try {
    await send(msg);
    if (requestId) window.close();
    else location.reload();
  } catch (e) {
    $("error").textContent = e.message;
    $("passphrase").select();
  }
}

const passphrase = () => $("passphrase").value;
$("approve").addEventListener("click", () => act({ type: "decide", id: requestId, approve: true, passphrase: passphrase() }));
$("reject").addEventListener("click", () => act({ type: "decide", id: requestId, approve: false }));
$("create").addEventListener("click", () => act({ type: "create", passphrase: passphrase() }));
$("unlock").addEventListener("click", () => act({ type: "unlock", passphrase: passphrase() }));
$("lock").addEventListener("click", () => act({ type: "lock" }));
$("passphrase").addEventListener("keydown", (e) => {
  if (e.key === "Enter") (requestId ? $("approve") : $("unlock").hidden ? $("create") : $("unlock")).click();
});
render();
