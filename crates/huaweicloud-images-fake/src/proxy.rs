//! A forward HTTP proxy for tests: it relays plain `http://` requests (absolute-form, as clients
//! send them to a proxy), counts and records what passes, and, when started with credentials,
//! refuses a request without the right `Proxy-Authorization: Basic` (407). It binds to
//! `127.0.0.1` and stops when dropped. `CONNECT` tunnels (for `https://` targets) are refused
//! with 501: tests route plain-HTTP fakes through it.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use http::{HeaderMap, StatusCode, header};
use tokio::sync::oneshot;

/// The largest request or response body relayed.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// Headers meant for one hop only, never relayed.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "transfer-encoding",
    "proxy-connection",
    "proxy-authorization",
    "keep-alive",
    "te",
    "trailer",
    "upgrade",
];

#[derive(Default)]
struct Seen {
    /// `METHOD absolute-uri` of every request relayed.
    relayed: Vec<String>,
    /// Requests refused for missing or wrong proxy credentials.
    refused: usize,
}

struct ProxyState {
    expected_authorization: Option<String>,
    seen: Mutex<Seen>,
    http: reqwest::Client,
}

/// A running counting proxy.
pub struct CountingProxy {
    addr: SocketAddr,
    state: Arc<ProxyState>,
    stop: Option<oneshot::Sender<()>>,
}

impl std::fmt::Debug for CountingProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CountingProxy")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl CountingProxy {
    /// Starts a proxy on `127.0.0.1` and a free port; with `credentials`, it requires them.
    pub async fn start(credentials: Option<(&str, &str)>) -> io::Result<CountingProxy> {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(io::Error::other)?;
        let state = Arc::new(ProxyState {
            expected_authorization: credentials.map(|(user, password)| {
                let pair =
                    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
                format!("Basic {pair}")
            }),
            seen: Mutex::new(Seen::default()),
            http,
        });
        let router = Router::new().fallback(relay).with_state(Arc::clone(&state));
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let serve = axum::serve(listener, router).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(error) = serve.await {
                tracing::debug!(%error, "proxy stopped with an error");
            }
        });
        Ok(CountingProxy {
            addr,
            state,
            stop: Some(stop),
        })
    }

    /// The proxy URL, e.g. `http://127.0.0.1:40124`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `METHOD absolute-uri` of every request relayed so far, oldest first.
    pub fn relayed(&self) -> Vec<String> {
        self.lock().relayed.clone()
    }

    /// How many requests were refused for missing or wrong proxy credentials.
    pub fn refused(&self) -> usize {
        self.lock().refused
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.state
            .seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for CountingProxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn plain(status: StatusCode, message: &str) -> Response {
    (status, message.to_owned()).into_response()
}

async fn relay(State(state): State<Arc<ProxyState>>, request: Request) -> Response {
    if request.method() == http::Method::CONNECT {
        return plain(
            StatusCode::NOT_IMPLEMENTED,
            "CONNECT is not supported by this test proxy",
        );
    }
    if let Some(expected) = &state.expected_authorization {
        let given = request
            .headers()
            .get(header::PROXY_AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        if given != Some(expected.as_str()) {
            state
                .seen
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .refused += 1;
            let mut response = plain(
                StatusCode::PROXY_AUTHENTICATION_REQUIRED,
                "proxy credentials required",
            );
            response.headers_mut().insert(
                header::PROXY_AUTHENTICATE,
                http::HeaderValue::from_static("Basic realm=\"fake\""),
            );
            return response;
        }
    }
    let (parts, body) = request.into_parts();
    if parts.uri.authority().is_none() {
        return plain(
            StatusCode::BAD_REQUEST,
            "a proxy takes absolute-form request targets",
        );
    }
    let target = parts.uri.to_string();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return plain(
            StatusCode::BAD_REQUEST,
            "the request body could not be read",
        );
    };
    let mut headers = HeaderMap::new();
    for (name, value) in &parts.headers {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            headers.append(name.clone(), value.clone());
        }
    }
    state
        .seen
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .relayed
        .push(format!("{} {target}", parts.method));
    let sent = state
        .http
        .request(parts.method, target.as_str())
        .headers(headers)
        .body(body)
        .send()
        .await;
    let response = match sent {
        Ok(response) => response,
        Err(error) => {
            return plain(
                StatusCode::BAD_GATEWAY,
                &format!("upstream failed: {error}"),
            );
        }
    };
    let status = response.status();
    let mut headers = response.headers().clone();
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
    let Ok(bytes) = response.bytes().await else {
        return plain(StatusCode::BAD_GATEWAY, "the upstream body broke off");
    };
    let mut relayed = Response::new(Body::from(bytes));
    *relayed.status_mut() = status;
    *relayed.headers_mut() = headers;
    relayed
}
