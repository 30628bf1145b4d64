use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::error::{Error, Result};
use crate::http::{Method, Request, Response, Transport};

/// Largest response body read from a node. An event CAR is at most 4 MiB (`CarLimits`) and a feed
/// page far less; a node that sends more is cut off here with `TOO_LARGE` instead of filling the
/// page's memory (a hostile or broken node can stream without end).
pub(crate) const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

// One HTTP attempt and a cancellable pause, in JavaScript: what they do is call `fetch`, read a
// stream and arm timers, which JS says in a few hundred bytes and which through js-sys, web-sys
// and gloo-net took ~5 KB of wasm (closures, abort controller, body reader, request builder).
//
// `send` resolves `[status, body]` or rejects `[kind, message]`: 0 network, 1 timed out,
// 2 cancelled by the caller's signal, 3 body over `max` bytes (the declared length or what
// arrived). Each attempt has its own AbortController, aborted by the timer (none when `ms` is
// undefined) and by the caller's signal, and settles when it is aborted even if an injected
// `fetch` ignores the signal; the injected `fetch`, when given, gets the `Request`. No credentials
// are added (fetch's default).
#[wasm_bindgen(inline_js = r#"
export function send(f, url, post, body, ms, signal, max) {
  const c = new AbortController(), stop = () => c.abort();
  let late = false, timer = ms === undefined ? 0 : setTimeout(() => { late = true; c.abort(); }, ms);
  signal?.addEventListener("abort", stop);
  // Settles the attempt when it is aborted, even if an injected fetch ignores the signal.
  const gone = new Promise((_, no) => c.signal.addEventListener("abort", no));
  gone.catch(() => {});
  const big = [3];
  return (async () => {
    const req = new Request(url, post
      ? { method: "POST", headers: { "content-type": "application/json" }, body, signal: c.signal }
      : { signal: c.signal });
    const res = await Promise.race([f ? f(req) : fetch(req), gone]);
    if (!(res instanceof Response)) throw new Error("the injected fetch did not return a Response");
    if (+res.headers.get("content-length") > max) throw big;
    const parts = [];
    let n = 0;
    if (res.body) for (const r = res.body.getReader(); ;) {
      const { done, value } = await Promise.race([r.read(), gone]);
      if (done) break;
      if ((n += value.length) > max) { r.cancel().catch(() => {}); throw big; }
      parts.push(value);
    }
    if (parts.length === 1) return [res.status, parts[0]];
    const out = new Uint8Array(n);
    n = 0;
    for (const p of parts) out.set(p, n), n += p.length;
    return [res.status, out];
  })().catch((e) => {
    c.abort();
    throw e === big ? e : signal?.aborted ? [2] : late ? [1]
      : [0, e instanceof Error ? e.message : typeof e == "string" ? e : "unknown JavaScript error"];
  }).finally(() => {
    clearTimeout(timer);
    signal?.removeEventListener("abort", stop);
  });
}
export function sleep(ms, signal) {
  return new Promise((done) => {
    const t = setTimeout(end, ms);
    signal?.addEventListener("abort", end);
    function end() {
      clearTimeout(t);
      signal?.removeEventListener("abort", end);
      done();
    }
  });
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = send)]
    fn js_send(
        fetch: &JsValue,
        url: &str,
        post: bool,
        body: Option<&str>,
        ms: Option<u32>,
        signal: &JsValue,
        max: u32,
    ) -> js_sys::Promise;
    #[wasm_bindgen(js_name = sleep)]
    fn js_sleep(ms: u32, signal: &JsValue) -> js_sys::Promise;
}

/// HTTP over `fetch`: the global fetch, or one the caller injects. Each attempt has its own
/// timeout; the caller's `AbortSignal` cancels everything. Never sends credentials.
#[derive(Clone)]
pub(crate) struct FetchTransport {
    pub fetch: Option<js_sys::Function>,
    pub timeout_ms: Option<u32>,
    pub signal: Option<web_sys::AbortSignal>,
}

impl FetchTransport {
    /// Whether the caller's signal has aborted.
    pub(crate) fn user_aborted(&self) -> bool {
        self.signal.as_ref().is_some_and(|s| s.aborted())
    }

    fn signal_value(&self) -> JsValue {
        self.signal
            .as_ref()
            .map_or(JsValue::UNDEFINED, |s| s.into())
    }
}

impl Transport for FetchTransport {
    async fn send(&self, base_url: &str, req: &Request) -> Result<Response> {
        if self.user_aborted() {
            return Err(Error::Aborted("the request was cancelled".into()));
        }
        let url = format!("{base_url}{}", req.path);
        let fetch = self.fetch.as_ref().map_or(JsValue::UNDEFINED, |f| f.into());
        let sent = js_send(
            &fetch,
            &url,
            req.method == Method::Post,
            req.body.as_deref(),
            self.timeout_ms,
            &self.signal_value(),
            MAX_BODY_BYTES as u32,
        );
        let e = match JsFuture::from(sent).await {
            Ok(answer) => {
                let answer = js_sys::Array::from(&answer);
                let status = answer.get(0).as_f64().unwrap_or_default() as u16;
                let body = answer
                    .get(1)
                    .unchecked_into::<js_sys::Uint8Array>()
                    .to_vec();
                return Ok(Response { status, body });
            }
            Err(e) => js_sys::Array::from(&e),
        };
        Err(match e.get(0).as_f64() {
            Some(2.0) => Error::Aborted("the request was cancelled".into()),
            Some(1.0) => Error::Timeout(format!(
                "no answer from {url} within {} ms",
                self.timeout_ms.unwrap_or_default()
            )),
            Some(3.0) => Error::TooLarge(format!(
                "{url} answered with more than {MAX_BODY_BYTES} bytes"
            )),
            _ => Error::Network(format!(
                "{url}: {}",
                e.get(1).as_string().unwrap_or_default()
            )),
        })
    }

    /// Ends early when the caller's signal aborts (the next request then rejects with ABORTED).
    async fn sleep(&self, ms: u64) {
        if self.user_aborted() {
            return;
        }
        let ms = u32::try_from(ms).unwrap_or(u32::MAX);
        let _ = JsFuture::from(js_sleep(ms, &self.signal_value())).await;
    }
}
