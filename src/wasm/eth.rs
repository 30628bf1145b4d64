//! Ethereum providers from JS for checking anchors on chains: an EIP-1193 provider
//! (`{ request({ method, params }) }`: `window.ethereum`, a viem or ethers transport, a wallet's
//! provider), a JSON-RPC URL, or a map of either by CAIP-2 chain id.

use std::cell::Cell;

use crate::codec::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::transport::FetchTransport;
use super::{from_js_json, get, transport_message};
use crate::codec::json;
use crate::error::{Error, Result};
use crate::http::{Method, Request, Transport};
use crate::verify::EthRpc;

enum Provider {
    Eip1193(JsValue),
    Url(String),
}

/// The providers a caller gave (`ethereum`) and its own anchor contracts (`anchorContracts`).
pub(crate) struct JsEthRpc {
    /// `None`: a provider for whichever chain it is on (asked once with `eth_chainId`).
    providers: Vec<(Option<String>, Provider)>,
    /// The chain the provider given for any chain is on, once asked.
    any_chain: Cell<Option<u64>>,
    contracts: Vec<String>,
    fetch: FetchTransport,
}

fn provider(v: &JsValue) -> Option<Provider> {
    if let Some(url) = v.as_string() {
        return Some(Provider::Url(url));
    }
    get(v, "request")
        .is_function()
        .then(|| Provider::Eip1193(v.clone()))
}

impl JsEthRpc {
    /// From the `ethereum` and `anchorContracts` options (either may be undefined). JSON-RPC URLs
    /// are fetched through `fetch` (the client's transport: its timeout and signal).
    pub(crate) fn from_options(
        ethereum: &JsValue,
        contracts: &JsValue,
        fetch: FetchTransport,
    ) -> Result<Self> {
        let bad = || {
            Error::ChainRpc(
                "ethereum must be an EIP-1193 provider, a JSON-RPC URL, or an object of them by chain id (\"eip155:1\")"
                    .into(),
            )
        };
        let mut providers = Vec::new();
        if ethereum.is_undefined() || ethereum.is_null() {
        } else if let Some(p) = provider(ethereum) {
            providers.push((None, p));
        } else if ethereum.is_object() {
            for key in js_sys::Object::keys(ethereum.unchecked_ref::<js_sys::Object>()).iter() {
                let chain = key.as_string().ok_or_else(bad)?;
                if !chain.starts_with("eip155:") {
                    return Err(bad());
                }
                providers.push((
                    Some(chain.clone()),
                    provider(&js_sys::Reflect::get(ethereum, &key).unwrap_or_default())
                        .ok_or_else(bad)?,
                ));
            }
        } else {
            return Err(bad());
        }
        let contracts = if contracts.is_undefined() || contracts.is_null() {
            Vec::new()
        } else {
            js_sys::Array::from(contracts)
                .iter()
                .map(|c| {
                    c.as_string()
                        .filter(|c| c.len() == 42 && c.starts_with("0x"))
                        .ok_or_else(|| {
                            Error::ChainRpc("anchorContracts must be 0x… addresses".into())
                        })
                })
                .collect::<Result<_>>()?
        };
        Ok(JsEthRpc {
            providers,
            any_chain: Cell::new(None),
            contracts,
            fetch,
        })
    }

    fn pick(&self, chain_id: &str) -> Option<&Provider> {
        self.providers
            .iter()
            .find(|(c, _)| c.as_deref() == Some(chain_id))
            .or_else(|| self.providers.iter().find(|(c, _)| c.is_none()))
            .map(|(_, p)| p)
    }

    async fn call(&self, p: &Provider, method: &str, params: Value) -> Result<Value> {
        let failed = |m: String| Error::ChainRpc(format!("{method}: {m}"));
        match p {
            Provider::Eip1193(obj) => {
                let args = js_sys::Object::new();
                let params = js_sys::JSON::parse(&json::text(&params))
                    .map_err(|_| failed("params".into()))?;
                js_sys::Reflect::set(&args, &"method".into(), &method.into())
                    .and_then(|_| js_sys::Reflect::set(&args, &"params".into(), &params))
                    .map_err(|e| failed(transport_message(&e)))?;
                let request = get(obj, "request").unchecked_into::<js_sys::Function>();
                let pending = request
                    .call1(obj, &args)
                    .map_err(|e| failed(transport_message(&e)))?;
                let answer = JsFuture::from(js_sys::Promise::resolve(&pending))
                    .await
                    .map_err(|e| failed(transport_message(&e)))?;
                if answer.is_undefined() || answer.is_null() {
                    return Ok(Value::Null);
                }
                from_js_json(&answer, "the provider's answer", Error::ChainRpc)
            }
            Provider::Url(url) => {
                let body = Value::Object(crate::codec::json_object([
                    ("jsonrpc", Value::String("2.0".into())),
                    ("id", Value::from(1u8)),
                    ("method", Value::String(method.into())),
                    ("params", params),
                ]));
                let req = Request {
                    method: Method::Post,
                    path: String::new(),
                    body: Some(json::text(&body)),
                };
                let resp = self.fetch.send(url, &req).await?;
                if resp.status != 200 {
                    return Err(failed(format!("HTTP {}", resp.status)));
                }
                let v: Value = crate::codec::json::parse_slice(&resp.body)
                    .map_err(|e| failed(format!("not JSON-RPC: {e}")))?;
                if let Some(e) = v.get("error") {
                    return Err(failed(e["message"].as_str().unwrap_or("error").into()));
                }
                Ok(v.get("result").cloned().unwrap_or(Value::Null))
            }
        }
    }
}

impl EthRpc for JsEthRpc {
    fn has_providers(&self) -> bool {
        !self.providers.is_empty()
    }

    async fn serves(&self, chain_id: &str) -> Result<bool> {
        if self
            .providers
            .iter()
            .any(|(c, _)| c.as_deref() == Some(chain_id))
        {
            return Ok(true);
        }
        let Some((_, any)) = self.providers.iter().find(|(c, _)| c.is_none()) else {
            return Ok(false);
        };
        let on = match self.any_chain.get() {
            Some(on) => on,
            None => {
                let v = self
                    .call(any, "eth_chainId", Value::Array(Vec::new()))
                    .await?;
                let on = crate::verify::parse_hex_u64(&v, "eth_chainId")?;
                self.any_chain.set(Some(on));
                on
            }
        };
        Ok(chain_id == format!("eip155:{on}"))
    }

    async fn request(&self, chain_id: &str, method: &str, params: Value) -> Result<Value> {
        let p = self
            .pick(chain_id)
            .ok_or_else(|| Error::ChainRpc(format!("no Ethereum provider for {chain_id}")))?;
        self.call(p, method, params).await
    }

    fn extra_contracts(&self) -> &[String] {
        &self.contracts
    }
}
