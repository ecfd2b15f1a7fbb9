//! The project a client works in: the one given, or — as in the official SDKs — the one IAM names
//! for the client's region, asked once per client at the first call: `GET
//! {iam}/v3/projects?name=<region>`, signed with the client's credentials and sent through the
//! runtime like any call (retries, clock-skew correction and body cap included). Exactly one
//! project must answer; anything else is a clear error.
//!
//! The IAM endpoint is, highest first: [`ClientBuilder::iam_endpoint`](crate::ClientBuilder::iam_endpoint),
//! the URL of [`ClientBuilder::endpoint_for_all`](crate::ClientBuilder::endpoint_for_all), the
//! official variable [`IAM_ENDPOINT_VARIABLE`], then `https://iam.<region>.myhuaweicloud.com`.

use std::sync::atomic::{AtomicU64, Ordering};

use reqwest::header::HeaderValue;
use serde::Deserialize;

use super::Client;
use crate::error::{Error, Result};
use crate::region::Region;
use crate::runtime::{Call, Prepared, Success, answer};
use crate::validate;

/// The IAM operation asked (for errors and traces).
const OPERATION: &str = "KeystoneListProjects";

/// The official environment variable naming the IAM endpoint.
pub const IAM_ENDPOINT_VARIABLE: &str = "HUAWEICLOUD_SDK_IAM_ENDPOINT";

/// The IAM endpoint of `region` when nothing overrides it.
pub(super) fn default_iam_endpoint(region: &Region) -> String {
    format!("https://iam.{}.myhuaweicloud.com", region.as_str())
}

/// The project id and its header: given, or resolved once through IAM.
pub(super) struct Project {
    known: tokio::sync::OnceCell<(String, HeaderValue)>,
    /// Held during an IAM lookup, with the last one's failure (shared with the callers that
    /// waited for it).
    lookup: tokio::sync::Mutex<Option<String>>,
    /// How many IAM lookups finished.
    asked: AtomicU64,
    iam_endpoint: String,
}

#[derive(Deserialize)]
struct Projects {
    projects: Vec<ProjectEntry>,
}

#[derive(Deserialize)]
struct ProjectEntry {
    id: String,
}

impl Project {
    /// `given` (checked), or a lookup at `iam_endpoint` at the first call.
    pub(super) fn new(given: Option<String>, iam_endpoint: String) -> Result<Project> {
        let known = tokio::sync::OnceCell::new();
        if let Some(id) = given {
            validate::project_id(&id)?;
            let header = header_of(&id)?;
            let _ = known.set((id, header));
        }
        Ok(Project {
            known,
            lookup: tokio::sync::Mutex::new(None),
            asked: AtomicU64::new(0),
            iam_endpoint,
        })
    }

    /// The project, once known.
    pub(super) fn known(&self) -> Option<(&str, &HeaderValue)> {
        self.known.get().map(|(id, header)| (id.as_str(), header))
    }

    /// Whether a lookup will be needed (the IAM endpoint's cleartext check depends on it).
    pub(super) fn needs_lookup(&self) -> bool {
        self.known.get().is_none()
    }

    /// The project, resolved through IAM once per client when none was given: concurrent first
    /// calls share one IAM request and its outcome, a failure included (each caller that waited
    /// for it gets it); the next call after a failure asks again.
    pub(super) async fn resolve(&self, client: &Client) -> Result<(&str, &HeaderValue)> {
        if let Some(known) = self.known() {
            return Ok(known);
        }
        let asked_before = self.asked.load(Ordering::SeqCst);
        let mut failure = self.lookup.lock().await;
        if let Some(known) = self.known() {
            return Ok(known);
        }
        if self.asked.load(Ordering::SeqCst) > asked_before
            && let Some(message) = &*failure
        {
            return Err(Error::credentials(message.clone()));
        }
        let outcome = self.ask_iam(client).await;
        // Counted when done, so that every caller that arrived while it ran shares its outcome.
        self.asked.fetch_add(1, Ordering::SeqCst);
        let id = match outcome {
            Ok(id) => id,
            Err(error) => {
                *failure = Some(match &error {
                    Error::Credentials(message) => message.clone(),
                    other => other.to_string(),
                });
                return Err(error);
            }
        };
        *failure = None;
        let header = header_of(&id)?;
        let (id, header) = self.known.get_or_init(|| async { (id, header) }).await;
        Ok((id.as_str(), header))
    }

    /// The id of the one project IAM names for the client's region.
    async fn ask_iam(&self, client: &Client) -> Result<String> {
        let region = client.region();
        let iam = &self.iam_endpoint;
        let fail = |what: String| {
            Error::credentials(format!(
                "no project id was given, and IAM at {iam} {what} for region {region}; pass \
                 ClientBuilder::project_id or set HUAWEICLOUD_SDK_PROJECT_ID"
            ))
        };
        let runtime = &client.inner.runtime;
        let request = runtime
            .http()
            .get(format!("{iam}/v3/projects"))
            .query(&[("name", region.as_str())])
            .build()
            .map_err(|e| fail(format!("cannot be asked ({e})")))?;
        let call = Call {
            operation: OPERATION,
            service: "IAM",
            pace: None,
            holds_permit: false,
            // One attempt, as the official SDKs make; within the call it is made for.
            delivery: crate::runtime::Delivery::Once,
            token_header: None,
            bounded: false,
            success: Success::Documented(&[200]),
            decode: answer::Decoder::Whole(answer::json::<Projects>),
            secret_answer: false,
        };
        let answered = runtime
            .invoke(call, async {
                Ok(Prepared {
                    request,
                    project: None,
                })
            })
            .await;
        let Projects { projects } = answered.map_err(|error| match error {
            Error::Api(api) => fail(format!("answered HTTP {} ({api})", api.status)),
            Error::Decode { message, .. } => fail(format!(
                "answered a body that is not a project list ({message})"
            )),
            Error::Transport { .. } => fail("cannot be reached".to_owned()),
            Error::Timeout { .. } => fail("did not answer in time".to_owned()),
            Error::BodyTooLarge { .. } => {
                fail("answered a body larger than the client's max_body_size".to_owned())
            }
            // The credentials' failure, as it is.
            other => other,
        })?;
        match projects.as_slice() {
            [project] => {
                validate::project_id(&project.id)
                    .map_err(|e| fail(format!("named a project id that is not usable ({e})")))?;
                tracing::debug!(project_id = %project.id, region = %region, "project id from IAM");
                Ok(project.id.clone())
            }
            [] => Err(fail("names no project".to_owned())),
            many => Err(fail(format!("names {} projects, not one", many.len()))),
        }
    }
}

fn header_of(id: &str) -> Result<HeaderValue> {
    HeaderValue::from_str(id).map_err(|_| Error::invalid("project_id", "must be printable ASCII"))
}
