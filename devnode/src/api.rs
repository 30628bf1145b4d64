//! ceramic-one's HTTP API (0.58) under `/ceramic`, with its bodies, status codes and CORS.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ceramic_wasm::codec::multibase;
use ceramic_wasm::ids::{EventId, StreamId};
use cid::Cid;
use serde::Deserialize;
use serde_json::json;

use crate::node::{IngestError, Node};
use crate::store;

/// The version of ceramic-one's API this node speaks.
pub const API_VERSION: &str = "0.58.0";

/// Shared state of the handlers.
#[derive(Clone)]
pub struct Api {
    /// The node.
    pub node: Arc<Node>,
    /// Allowed CORS origins (`*` for any).
    pub cors_origins: Arc<Vec<String>>,
    /// The network's name for `/config/network`.
    pub network_name: Arc<String>,
}

fn message(status: StatusCode, msg: impl Into<String>) -> Response {
    (status, Json(json!({ "message": msg.into() }))).into_response()
}

fn not_found(body: String) -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain")],
        body,
    )
        .into_response()
}

impl IntoResponse for IngestError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        message(status, self.message)
    }
}

/// Run blocking reads off the async workers.
async fn read<T: Send + 'static>(
    api: &Api,
    f: impl FnOnce(&rusqlite::Connection) -> T + Send + 'static,
) -> Result<T, Response> {
    let node = api.node.clone();
    tokio::task::spawn_blocking(move || node.reads.with(f))
        .await
        .map_err(|e| {
            message(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("read task failed: {e}"),
            )
        })
}

async fn liveness() -> StatusCode {
    StatusCode::OK
}

async fn version() -> Response {
    Json(json!({ "version": API_VERSION })).into_response()
}

async fn network(State(api): State<Api>) -> Response {
    Json(json!({ "name": api.network_name.as_str() })).into_response()
}

#[derive(Deserialize)]
struct EventData {
    data: String,
}

async fn post_event(State(api): State<Api>, body: Bytes) -> Response {
    let parsed: EventData = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                format!("Couldn't parse body parameter EventData - doesn't match schema: {e}"),
            )
                .into_response()
        }
    };
    match api.node.post_event(parsed.data).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.into_response(),
    }
}

async fn get_event(State(api): State<Api>, Path(id): Path<String>) -> Response {
    // A CID, or (as ceramic-one allows for debugging) a multibase EventID.
    let cid = match Cid::try_from(id.as_str()) {
        Ok(c) => c,
        Err(cid_err) => match id.parse::<EventId>() {
            Ok(e) => *e.cid(),
            Err(_) => {
                return message(
                    StatusCode::BAD_REQUEST,
                    format!("Invalid event id: {cid_err}"),
                )
            }
        },
    };
    match read(&api, move |c| store::event_car(c, &cid)).await {
        Ok(Ok(Some(car))) => {
            Json(json!({ "id": cid.to_string(), "data": multibase::encode_car(&car) }))
                .into_response()
        }
        Ok(Ok(None)) => not_found(format!("Event not found : {id}")),
        Ok(Err(e)) => message(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        Err(r) => r,
    }
}

fn u64url(bytes: &[u8]) -> String {
    multibase::encode_base64url(bytes)
}

async fn get_stream(State(api): State<Api>, Path(id): Path<String>) -> Response {
    let stream = match multibase::decode(&id).and_then(|b| StreamId::from_bytes(&b)) {
        Ok(s) => s,
        Err(ceramic_wasm::Error::InvalidMultibase(m)) => {
            return message(StatusCode::BAD_REQUEST, format!("invalid stream id: {m}"))
        }
        Err(e) => return message(StatusCode::BAD_REQUEST, format!("invalid stream id: {e}")),
    };
    let cid = *stream.cid();
    // With --index-delay-ms, the stream as it was before its still "unindexed" events.
    let hidden_from = api.node.indexing.stream_limit(&cid);
    let found = read(&api, move |c| match hidden_from {
        None => store::stream(c, &cid).map_err(|e| e.to_string()),
        Some(before) => crate::node::visible_stream(c, &cid, before).map_err(|e| e.message),
    })
    .await;
    match found {
        Ok(Ok(Some(row))) => Json(json!({
            "id": row.stream_id,
            "event_cid": row.tip.to_string(),
            "controller": row.controller,
            "dimensions": {
                "context": u64url(row.context.as_deref().unwrap_or_default()),
                "controller": u64url(row.controller.as_bytes()),
                "model": u64url(&row.model),
                "unique": u64url(row.unique.as_deref().unwrap_or_default()),
            },
            "data": u64url(row.state.as_bytes()),
        }))
        .into_response(),
        Ok(Ok(None)) => not_found(id),
        Ok(Err(e)) => message(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        Err(r) => r,
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FeedQuery {
    resume_at: Option<String>,
    limit: Option<i64>,
    include_data: Option<String>,
}

async fn feed(State(api): State<Api>, Query(q): Query<FeedQuery>) -> Response {
    let token = q.resume_at.unwrap_or_else(|| "0".into());
    let from: i64 = match token.parse::<u64>() {
        Ok(v) => v.min(i64::MAX as u64) as i64,
        Err(e) => {
            return message(
                StatusCode::BAD_REQUEST,
                format!("Invalid resume token '{token}'. Invalid highwater value (should be an integer): {e:?}"),
            )
        }
    };
    let with_data = match q.include_data.as_deref() {
        None | Some("none") => false,
        Some("full") => true,
        Some(other) => {
            return message(
                StatusCode::BAD_REQUEST,
                format!("Invalid includeData value: {other}"),
            )
        }
    };
    let limit = q.limit.unwrap_or(100);
    if limit < 0 || (with_data && limit > 10_000) {
        return message(
            StatusCode::BAD_REQUEST,
            format!("Invalid limit {limit} (at most 10000 with data)"),
        );
    }
    let limit = limit.min(10_000);
    let before = api.node.indexing.feed_limit();
    match read(&api, move |c| {
        store::feed(c, from, before, limit, with_data)
    })
    .await
    {
        Ok(Ok(rows)) => {
            let next = rows.last().map_or(from.max(1), |(rowid, _, _)| rowid + 1);
            let events: Vec<_> = rows
                .into_iter()
                .map(|(_, cid, car)| match car {
                    Some(car) => {
                        json!({"id": cid.to_string(), "data": multibase::encode_car(&car)})
                    }
                    None => json!({"id": cid.to_string()}),
                })
                .collect();
            Json(json!({ "events": events, "resumeToken": next.to_string() })).into_response()
        }
        Ok(Err(e)) => message(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        Err(r) => r,
    }
}

async fn resume_token(State(api): State<Api>) -> Response {
    let before = api.node.indexing.feed_limit();
    match read(&api, move |c| store::high_water(c, before)).await {
        Ok(Ok(t)) => Json(json!({ "resumeToken": t.to_string() })).into_response(),
        Ok(Err(e)) => message(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        Err(r) => r,
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Interest {
    sep: String,
    sep_value: String,
    controller: Option<String>,
    stream_id: Option<String>,
}

async fn store_interest(api: &Api, i: Interest) -> Response {
    if i.sep != "model" {
        return message(
            StatusCode::BAD_REQUEST,
            format!("Unsupported separator key {:?} (only \"model\")", i.sep),
        );
    }
    let sep_value = match multibase::decode(&i.sep_value).and_then(|b| StreamId::from_bytes(&b)) {
        Ok(s) => s.to_string(),
        Err(e) => return message(StatusCode::BAD_REQUEST, format!("Invalid sepValue: {e}")),
    };
    let stream_id = match i.stream_id.as_deref() {
        None => String::new(),
        Some(s) => match s.parse::<StreamId>() {
            Ok(s) => s.to_string(),
            Err(e) => return message(StatusCode::BAD_REQUEST, format!("Invalid streamId: {e}")),
        },
    };
    let controller = i.controller.unwrap_or_default();
    match read(api, move |c| {
        store::add_interest(c, "model", &sep_value, &controller, &stream_id)
    })
    .await
    {
        Ok(Ok(())) => StatusCode::NO_CONTENT.into_response(),
        Ok(Err(e)) => message(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        Err(r) => r,
    }
}

async fn post_interest(State(api): State<Api>, body: Bytes) -> Response {
    match serde_json::from_slice::<Interest>(&body) {
        Ok(i) => store_interest(&api, i).await,
        Err(e) => (
            StatusCode::BAD_REQUEST,
            format!("Couldn't parse body parameter Interest - doesn't match schema: {e}"),
        )
            .into_response(),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InterestQuery {
    controller: Option<String>,
    stream_id: Option<String>,
}

async fn post_interest_path(
    State(api): State<Api>,
    Path((sep, sep_value)): Path<(String, String)>,
    Query(q): Query<InterestQuery>,
) -> Response {
    store_interest(
        &api,
        Interest {
            sep,
            sep_value,
            controller: q.controller,
            stream_id: q.stream_id,
        },
    )
    .await
}

/// ceramic-one's CORS: the request's Origin if allowed, else the first configured origin.
async fn cors(State(api): State<Api>, req: Request, next: Next) -> Response {
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .map(str::to_string);
    let preflight = req.method() == Method::OPTIONS;
    let mut res = if preflight {
        StatusCode::OK.into_response()
    } else {
        next.run(req).await
    };
    let allowed = &api.cors_origins;
    let value = if allowed.iter().any(|o| o == "*") {
        "*".to_string()
    } else {
        match origin {
            Some(o) if allowed.contains(&o) => o,
            _ => allowed.first().cloned().unwrap_or_default(),
        }
    };
    let h: &mut HeaderMap = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&value) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
    }
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("POST, GET, OPTIONS, DELETE, PUT"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("*"),
    );
    res
}

/// The router with every endpoint under `/ceramic`.
pub fn router(api: Api) -> Router {
    Router::new()
        .route("/ceramic/liveness", get(liveness))
        .route("/ceramic/version", get(version).post(version))
        .route("/ceramic/config/network", get(network))
        .route("/ceramic/events", post(post_event))
        .route("/ceramic/events/{id}", get(get_event))
        .route("/ceramic/streams/{id}", get(get_stream))
        .route("/ceramic/feed/events", get(feed))
        .route("/ceramic/feed/resumeToken", get(resume_token))
        .route("/ceramic/interests", post(post_interest))
        .route(
            "/ceramic/interests/{sort_key}/{sort_value}",
            post(post_interest_path),
        )
        .layer(middleware::from_fn_with_state(api.clone(), cors))
        .with_state(api)
}
