use std::cell::Cell;
use std::rc::Rc;

use gloo_net::http::Request as GlooRequest;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::error::{Error, Result};
use crate::http::{Method, Request, Response, Transport};

/// `globalThis[name]` as a function (setTimeout, clearTimeout), without assuming a `window`
/// (service workers, Node 20).
fn global_fn(name: &str) -> Result<js_sys::Function> {
    js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str(name))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .ok_or_else(|| Error::Network(format!("{name} is not available in this environment")))
}

fn set_timeout(f: &js_sys::Function, ms: u32) -> Result<JsValue> {
    global_fn("setTimeout")?
        .call2(&js_sys::global(), f, &JsValue::from(ms))
        .map_err(|_| Error::Network("setTimeout failed".into()))
}

fn clear_timeout(id: &JsValue) {
    if let Ok(f) = global_fn("clearTimeout") {
        let _ = f.call1(&js_sys::global(), id);
    }
}

use super::transport_message as js_message;

/// Largest response body read from a node. An event CAR is at most 4 MiB (`CarLimits`) and a feed
/// page far less; a node that sends more is cut off here with `TOO_LARGE` instead of filling the
/// page's memory (a hostile or broken node can stream without end).
pub(crate) const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// Read a response body chunk by chunk, stopping at `MAX_BODY_BYTES` (`Ok(None)`: too large).
async fn read_body(
    response: &gloo_net::http::Response,
) -> std::result::Result<Option<Vec<u8>>, JsValue> {
    let declared = response
        .headers()
        .get("content-length")
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Ok(None);
    }
    let Some(stream) = response.body() else {
        return Ok(Some(Vec::new()));
    };
    let reader = stream.get_reader();
    let read: js_sys::Function = js_sys::Reflect::get(&reader, &"read".into())?.dyn_into()?;
    // What the header claims, up to 1 MiB: a node that claims much and sends little must not make
    // the page reserve (wasm memory never shrinks).
    let mut out = Vec::with_capacity(declared.unwrap_or(0).min(1 << 20));
    loop {
        let chunk = JsFuture::from(js_sys::Promise::from(read.call0(&reader)?)).await?;
        if super::get(&chunk, "done").is_truthy() {
            return Ok(Some(out));
        }
        let value = js_sys::Uint8Array::new(&super::get(&chunk, "value"));
        let (start, len) = (out.len(), value.length() as usize);
        if start + len > MAX_BODY_BYTES {
            let _ = js_sys::Reflect::get(&reader, &"cancel".into())
                .ok()
                .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
                .map(|f| f.call0(&reader));
            return Ok(None);
        }
        out.resize(start + len, 0);
        value.copy_to(&mut out[start..]);
    }
}

/// HTTP over `fetch` (gloo-net): the global fetch, or one the caller injects. Each attempt has
/// its own timeout; the caller's `AbortSignal` cancels everything. Never sends credentials.
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
}

impl Transport for FetchTransport {
    async fn send(&self, base_url: &str, req: &Request) -> Result<Response> {
        if self.user_aborted() {
            return Err(Error::Aborted("the request was cancelled".into()));
        }
        let controller = web_sys::AbortController::new()
            .map_err(|e| Error::Network(format!("AbortController: {}", js_message(&e))))?;
        // The caller's signal aborts this attempt too.
        let forward = {
            let c = controller.clone();
            Closure::<dyn FnMut()>::new(move || c.abort())
        };
        if let Some(s) = &self.signal {
            let _ = s.add_event_listener_with_callback("abort", forward.as_ref().unchecked_ref());
        }
        let timed_out = Rc::new(Cell::new(false));
        let timer = {
            let (c, flag) = (controller.clone(), timed_out.clone());
            Closure::<dyn FnMut()>::new(move || {
                flag.set(true);
                c.abort();
            })
        };
        let timer_id = match self.timeout_ms {
            Some(ms) => Some(set_timeout(timer.as_ref().unchecked_ref(), ms)?),
            None => None,
        };

        let url = format!("{base_url}{}", req.path);
        let result = async {
            let builder = match req.method {
                Method::Get => GlooRequest::get(&url),
                Method::Post => GlooRequest::post(&url).header("content-type", "application/json"),
            }
            .abort_signal(Some(&controller.signal()));
            let request = match &req.body {
                Some(b) => builder.body(b.as_str()),
                None => builder.build(),
            }
            .map_err(|e| JsValue::from_str(&e.to_string()))?;
            let response: gloo_net::http::Response = match &self.fetch {
                None => request
                    .send()
                    .await
                    .map_err(|e| JsValue::from_str(&e.to_string()))?,
                Some(f) => {
                    let raw: web_sys::Request = request.into();
                    let p = f.call1(&JsValue::NULL, &raw)?;
                    let r = JsFuture::from(js_sys::Promise::resolve(&p)).await?;
                    r.dyn_into::<web_sys::Response>()
                        .map_err(|_| {
                            JsValue::from_str("the injected fetch did not return a Response")
                        })?
                        .into()
                }
            };
            let status = response.status();
            let body = read_body(&response).await?;
            Ok::<_, JsValue>(body.map(|body| Response { status, body }))
        }
        .await;

        if let Some(id) = &timer_id {
            clear_timeout(id);
        }
        if let Some(s) = &self.signal {
            let _ =
                s.remove_event_listener_with_callback("abort", forward.as_ref().unchecked_ref());
        }
        let e = match result {
            Ok(Some(response)) => return Ok(response),
            Ok(None) => {
                controller.abort();
                return Err(Error::TooLarge(format!(
                    "{url} answered with more than {MAX_BODY_BYTES} bytes"
                )));
            }
            Err(e) => e,
        };
        Err(if self.user_aborted() {
            Error::Aborted("the request was cancelled".into())
        } else if timed_out.get() {
            Error::Timeout(format!(
                "no answer from {url} within {} ms",
                self.timeout_ms.unwrap_or_default()
            ))
        } else {
            Error::Network(format!("{url}: {}", js_message(&e)))
        })
    }

    /// Ends early when the caller's signal aborts (the next request then rejects with ABORTED).
    async fn sleep(&self, ms: u64) {
        if self.user_aborted() {
            return;
        }
        let ms = u32::try_from(ms).unwrap_or(u32::MAX);
        let mut wake = None;
        let promise = js_sys::Promise::new(&mut |resolve, _reject| {
            let _ = set_timeout(&resolve, ms);
            wake = Some(resolve);
        });
        let listening = match (&self.signal, &wake) {
            (Some(s), Some(f)) => s.add_event_listener_with_callback("abort", f).is_ok(),
            _ => false,
        };
        let _ = JsFuture::from(promise).await;
        if let (true, Some(s), Some(f)) = (listening, &self.signal, &wake) {
            let _ = s.remove_event_listener_with_callback("abort", f);
        }
    }
}
