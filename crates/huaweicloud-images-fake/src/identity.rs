//! What the fake plays besides the image APIs, for the SDK's credential and project handling:
//! the ECS instance metadata service (temporary credentials that expire and rotate), IAM's project
//! list, and the gateway's clock (which can be set off).
//!
//! - `PUT /meta-data/latest/api/token` with `X-Metadata-Token-Ttl-Seconds` (1 to 21600) answers a
//!   session token; `GET /openstack/latest/securitykey` with it in `X-Metadata-Token` answers
//!   `{"credential": {"access", "secret", "securitytoken", "expires_at"}}`. The same credentials
//!   are answered until less than half their lifetime remains (or [`crate::FakeServer::rotate_temporary_credentials`]), then new
//!   ones. Every pair issued is accepted, with its security token, until its `expires_at`; after
//!   that the gateway refuses it (401 `APIGW.0301`, "security token expired").
//! - `GET /v3/projects?name=<region>`, signed, answers the projects of that region
//!   ([`crate::FakeConfig::iam_projects`]).
//! - The gateway's clock is this machine's plus [`crate::FakeServer::set_clock_offset`]; it judges
//!   `X-Sdk-Date` by it and sends it as `Date`.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::auth::AuthRequest;
use crate::errors::ApiError;
use crate::state::SharedState;

/// How many issued credential pairs are remembered (the oldest are forgotten, then refused).
const MAX_ISSUED: usize = 256;

/// A temporary credential pair the metadata service handed out.
#[derive(Clone)]
pub(crate) struct Temporary {
    pub(crate) access: String,
    pub(crate) secret: String,
    pub(crate) security_token: String,
    pub(crate) expires_at: OffsetDateTime,
}

/// The metadata service's and the clock's state.
pub(crate) struct Identity {
    lifetime_millis: AtomicU64,
    clock_offset_secs: AtomicI64,
    rotate: AtomicBool,
    issued: Mutex<Vec<Temporary>>,
    sessions: Mutex<HashSet<String>>,
    counter: AtomicU64,
    nonce: u64,
    /// What a reset goes back to.
    initial: (Duration, i64),
}

/// How many metadata session tokens are remembered (then the set starts over).
const MAX_SESSIONS: usize = 1024;

impl Identity {
    pub(crate) fn new(lifetime: Duration, clock_offset_secs: i64) -> Self {
        Identity {
            lifetime_millis: AtomicU64::new(
                u64::try_from(lifetime.as_millis()).unwrap_or(u64::MAX),
            ),
            clock_offset_secs: AtomicI64::new(clock_offset_secs),
            rotate: AtomicBool::new(false),
            issued: Mutex::new(Vec::new()),
            sessions: Mutex::new(HashSet::new()),
            counter: AtomicU64::new(0),
            nonce: rand::random(),
            initial: (lifetime, clock_offset_secs),
        }
    }

    /// The gateway's time: this machine's plus the offset.
    pub(crate) fn now(&self) -> OffsetDateTime {
        let offset = time::Duration::seconds(self.clock_offset_secs.load(Ordering::Relaxed));
        OffsetDateTime::now_utc()
            .checked_add(offset)
            .unwrap_or_else(OffsetDateTime::now_utc)
    }

    /// Sets the gateway's clock `seconds` ahead of this machine's (negative: behind).
    pub(crate) fn set_clock_offset(&self, seconds: i64) {
        self.clock_offset_secs.store(seconds, Ordering::Relaxed);
    }

    /// How long newly issued credentials live.
    pub(crate) fn set_lifetime(&self, lifetime: Duration) {
        let millis = u64::try_from(lifetime.as_millis()).unwrap_or(u64::MAX);
        self.lifetime_millis.store(millis.max(1), Ordering::Relaxed);
    }

    /// The next security-key request gets new credentials (the old ones stay valid until they
    /// expire).
    pub(crate) fn rotate(&self) {
        self.rotate.store(true, Ordering::Relaxed);
    }

    /// Back to the start (a reset): the configured lifetime and clock, no pair or session.
    pub(crate) fn clear(&self) {
        self.set_lifetime(self.initial.0);
        self.set_clock_offset(self.initial.1);
        self.issued
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        self.sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        self.rotate.store(false, Ordering::Relaxed);
    }

    fn lifetime(&self) -> time::Duration {
        let millis = self.lifetime_millis.load(Ordering::Relaxed);
        time::Duration::milliseconds(i64::try_from(millis).unwrap_or(i64::MAX))
    }

    /// The pair to hand out now: the current one while more than half its life remains.
    fn current_or_new(&self) -> Temporary {
        let now = self.now();
        let lifetime = self.lifetime();
        let mut issued = self.issued.lock().unwrap_or_else(PoisonError::into_inner);
        let rotate = self.rotate.swap(false, Ordering::Relaxed);
        if let Some(last) = issued.last()
            && !rotate
            && last.expires_at - now > lifetime / 2
        {
            return last.clone();
        }
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let fresh = Temporary {
            access: format!("TMPAK{:08X}{n:06}", self.nonce as u32),
            secret: format!("tmpSecret{:016x}{n:08}", self.nonce),
            security_token: format!("tmpSecurityToken{:016x}{n:08}", self.nonce.rotate_left(17)),
            expires_at: now.checked_add(lifetime).unwrap_or(now),
        };
        if issued.len() >= MAX_ISSUED {
            issued.remove(0);
        }
        issued.push(fresh.clone());
        fresh
    }

    /// The issued pair with this access key, if any.
    pub(crate) fn temporary(&self, access: &str) -> Option<Temporary> {
        let issued = self.issued.lock().unwrap_or_else(PoisonError::into_inner);
        issued.iter().find(|t| t.access == access).cloned()
    }
}

fn metadata_error(status: StatusCode, message: &str) -> Response {
    (status, message.to_owned()).into_response()
}

/// `PUT /meta-data/latest/api/token`.
pub(crate) async fn session_token(
    State(state): State<SharedState>,
    headers: HeaderMap,
) -> Response {
    let ttl = headers
        .get("x-metadata-token-ttl-seconds")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u32>().ok());
    if !ttl.is_some_and(|ttl| (1..=21600).contains(&ttl)) {
        return metadata_error(
            StatusCode::BAD_REQUEST,
            "X-Metadata-Token-Ttl-Seconds must be 1 to 21600",
        );
    }
    let identity = &state.identity;
    let n = identity.counter.fetch_add(1, Ordering::Relaxed);
    let token = format!("metadataSession{:016x}{n:08}", identity.nonce);
    let mut sessions = identity
        .sessions
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if sessions.len() >= MAX_SESSIONS {
        sessions.clear();
    }
    sessions.insert(token.clone());
    drop(sessions);
    token.into_response()
}

/// `GET /openstack/latest/securitykey`.
pub(crate) async fn security_key(State(state): State<SharedState>, headers: HeaderMap) -> Response {
    let identity = &state.identity;
    let known = headers
        .get("x-metadata-token")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|token| {
            identity
                .sessions
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .contains(token)
        });
    if !known {
        return metadata_error(
            StatusCode::UNAUTHORIZED,
            "X-Metadata-Token missing or unknown",
        );
    }
    let pair = identity.current_or_new();
    let expires_at = pair
        .expires_at
        .format(&Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned());
    axum::Json(json!({
        "credential": {
            "access": pair.access,
            "secret": pair.secret,
            "securitytoken": pair.security_token,
            "expires_at": expires_at,
        }
    }))
    .into_response()
}

/// `GET /v3/projects?name=<region>`: signed like any API call (or an IAM token).
pub(crate) async fn projects(State(state): State<SharedState>, request: Request) -> Response {
    let request_id = request
        .extensions()
        .get::<crate::recording::RequestId>()
        .map(|id| id.0.clone())
        .unwrap_or_default();
    let (parts, _) = request.into_parts();
    let auth = state.verifier.verify_with(
        &AuthRequest {
            method: parts.method.as_str(),
            raw_path: parts.uri.path(),
            raw_query: parts.uri.query().unwrap_or(""),
            headers: &parts.headers,
            body: b"",
        },
        state.identity.now(),
        &|access| state.identity.temporary(access),
    );
    if let Err(error) = auth {
        let message = error.to_string();
        return ApiError::gateway(
            StatusCode::UNAUTHORIZED,
            error.code(),
            &message,
            &request_id,
        )
        .into_response();
    }
    let name = axum::extract::Query::<ProjectsQuery>::try_from_uri(&parts.uri)
        .ok()
        .and_then(|axum::extract::Query(query)| query.name);
    let projects: Vec<_> = state
        .iam_projects(name.as_deref())
        .into_iter()
        .map(|(region, id)| {
            json!({"id": id, "name": region, "enabled": true, "domain_id": "fakedomain"})
        })
        .collect();
    axum::Json(json!({"projects": projects, "links": {"self": "/v3/projects"}})).into_response()
}

/// The query of `GET /v3/projects`.
#[derive(serde::Deserialize)]
struct ProjectsQuery {
    name: Option<String>,
}
