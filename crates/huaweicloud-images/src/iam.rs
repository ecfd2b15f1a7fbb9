//! The automatic project id: with no project id given, IAM names the project of the client's
//! region, as in the official SDKs: `GET {iam}/v3/projects?name=<region>`, signed with the
//! client's credentials. Exactly one project must answer; anything else is a clear error.
//!
//! The IAM endpoint is, highest first: [`ClientBuilder::iam_endpoint`](crate::ClientBuilder::iam_endpoint),
//! the official variable [`IAM_ENDPOINT_VARIABLE`], then `https://iam.<region>.myhuaweicloud.com`.

use reqwest::header::{CONTENT_TYPE, HeaderValue, USER_AGENT};
use serde::Deserialize;

use crate::clock::{at_offset, is_clock_skew_refusal};
use crate::region::Region;
use crate::transport::{Shared, authenticate};
use crate::{Error, Result};

/// The IAM operation asked (for errors and time-outs).
pub(crate) const OPERATION: &str = "KeystoneListProjects";

/// The official environment variable naming the IAM endpoint.
pub const IAM_ENDPOINT_VARIABLE: &str = "HUAWEICLOUD_SDK_IAM_ENDPOINT";

/// The IAM endpoint of `region` when nothing overrides it.
pub(crate) fn default_iam_endpoint(region: &Region) -> String {
    format!("https://iam.{}.myhuaweicloud.com", region.as_str())
}

#[derive(Deserialize)]
struct Projects {
    projects: Vec<Project>,
}

#[derive(Deserialize)]
struct Project {
    id: String,
}

/// The id of the one project IAM names for `region`.
pub(crate) async fn project_id(
    http: &reqwest::Client,
    shared: &Shared,
    iam_endpoint: &str,
    region: &Region,
) -> Result<String> {
    let url = format!("{iam_endpoint}/v3/projects");
    let fail = |what: String| {
        Error::credentials(format!(
            "no project id was given, and IAM at {iam_endpoint} {what} for region {region}; pass \
             ClientBuilder::project_id or set HUAWEICLOUD_SDK_PROJECT_ID"
        ))
    };
    let mut request = http
        .get(&url)
        .query(&[("name", region.as_str())])
        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
        .header(USER_AGENT, shared.user_agent.clone())
        .build()
        .map_err(|e| fail(format!("cannot be asked ({e})")))?;
    if let Some(timeout) = shared.request_timeout {
        *request.timeout_mut() = Some(timeout);
    }
    let credentials = shared.credentials.get(shared.clock.offset()).await?;
    // Signed again once if the gateway refuses the time it was signed at (crate::clock).
    let mut signed_with = shared.clock.offset();
    let mut trial = false;
    let (status, body) = loop {
        let mut attempt = request
            .try_clone()
            .ok_or_else(|| fail("cannot be asked (the request cannot be copied)".to_owned()))?;
        authenticate(&mut attempt, &credentials, at_offset(signed_with))?;
        let response = http.execute(attempt).await.map_err(|e| {
            let what = if e.is_timeout() {
                "did not answer in time"
            } else {
                "cannot be reached"
            };
            fail(what.to_owned())
        })?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = crate::body::read_capped(response, shared.max_body)
            .await
            .map_err(|e| {
                fail(match e {
                    crate::body::BodyError::TooLarge => {
                        "answered a body larger than the client's max_body_size".to_owned()
                    }
                    crate::body::BodyError::BrokeOff(_) => "broke off its answer".to_owned(),
                })
            })?;
        let refused = status == 401 && is_clock_skew_refusal(&body);
        if trial && status != 401 && status < 500 {
            shared.clock.confirm(signed_with);
        }
        if refused
            && !trial
            && credentials.ak().is_some()
            && let Some(offset) = shared
                .clock
                .trial_after_refusal(&headers, &body, signed_with)
        {
            signed_with = offset;
            trial = true;
            continue;
        }
        break (status, body);
    };
    if status != 200 {
        let excerpt = crate::error::Escaped(&String::from_utf8_lossy(&body[..body.len().min(200)]))
            .to_string();
        return Err(fail(format!("answered HTTP {status} ({excerpt})")));
    }
    let Projects { projects } = serde_json::from_slice(&body)
        .map_err(|e| fail(format!("answered a body that is not a project list ({e})")))?;
    match projects.as_slice() {
        [project] => {
            crate::validate::project_id(&project.id)
                .map_err(|e| fail(format!("named a project id that is not usable ({e})")))?;
            tracing::debug!(project_id = %project.id, region = %region, "project id from IAM");
            Ok(project.id.clone())
        }
        [] => Err(fail("names no project".to_owned())),
        many => Err(fail(format!("names {} projects, not one", many.len()))),
    }
}
