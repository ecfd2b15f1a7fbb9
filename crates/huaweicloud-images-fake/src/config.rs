//! What a fake server is started with.

use std::fmt;
use std::time::Duration;

/// The access key of the AK/SK pair [`FakeConfig::default`] accepts. Not a real credential.
pub const FAKE_AK: &str = "FAKEAK0EXAMPLE0OFFLINE";
/// The secret key paired with [`FAKE_AK`]. Not a real credential; public on purpose so tests can sign.
pub const FAKE_SK: &str = "fakeSecretKey0ForOfflineTestsOnly0000000";
/// The IAM token (`X-Auth-Token`) [`FakeConfig::default`] accepts. Not a real credential.
pub const FAKE_TOKEN: &str = "MIIFakeIamTokenForOfflineTestsOnly";
/// The project id used by the documents' example request; tests and examples use it as their project.
///
/// [`FakeConfig::default`] does not enforce it (`project_id: None` accepts every project id); set
/// `project_id: Some(FAKE_PROJECT_ID.into())` to make other project ids fail with 403.
pub const FAKE_PROJECT_ID: &str = "a4da8115c9d8464ead3a38309130523f";

/// Configuration of a [`crate::FakeServer`]. Its `Debug` output hides secret keys and tokens.
#[derive(Clone)]
pub struct FakeConfig {
    /// Seed of every generated object and of [`crate::FaultScope::Rate`] draws: same seed, same bytes.
    pub seed: u64,
    /// How many image servers to generate in addition to the documents' three examples.
    pub image_servers: usize,
    /// How many product images to generate in addition to the documents' two examples.
    pub images: usize,
    /// How many ModelArts Lite Server images to generate (the document has no example object).
    pub dev_server_images: usize,
    /// Accepted AK/SK pairs: `(access key, secret key)`.
    pub credentials: Vec<(String, String)>,
    /// Accepted IAM tokens (`X-Auth-Token`).
    pub tokens: Vec<String>,
    /// When set, requests for any other project id are refused with 403 (after authentication).
    pub project_id: Option<String>,
    /// Adds one object per collection whose enum-like fields hold values no document lists
    /// (image server status `MIGRATING`, …), for tests of open enums.
    pub include_unknown_enum_values: bool,
    /// Adds fields no document lists to every served object, for tests that unknown fields are ignored.
    pub include_unknown_fields: bool,
    /// How far `X-Sdk-Date` may be from the fake's clock before the request is refused (401).
    pub max_clock_skew: Duration,
    /// How many requests the request log keeps (the oldest are dropped first).
    pub request_log_capacity: usize,
    /// The API gateway's flow control: a token bucket per project and operation; `None` (the
    /// default) lets everything through.
    pub throttle: Option<crate::Throttle>,
    /// How long the fake waits before handling each request (default none), from the request's
    /// arrival: tokio's timer (which wakes a millisecond or more late) until 3 ms before its end,
    /// then the system's sleep. The request log shows what each took
    /// ([`crate::RecordedRequest::answered_after`]).
    pub latency: Duration,
    /// Faults injected from the start (and again after a reset through the control API).
    pub faults: Vec<crate::FaultSpec>,
    /// How long the temporary credentials of the metadata service live (see
    /// [`crate::FakeServer::rotate_temporary_credentials`]).
    pub temporary_credential_lifetime: Duration,
    /// How many seconds the gateway's clock is ahead of this machine's (negative: behind).
    pub clock_offset_secs: i64,
    /// The `(region, project id)` pairs IAM's `GET /v3/projects?name=` answers; empty (the
    /// default): every region has one project, [`FakeConfig::project_id`] or [`FAKE_PROJECT_ID`].
    pub iam_projects: Vec<(String, String)>,
    /// How long an item a write created stays in each state of its collection's lifecycle
    /// (`x-collections` of the spec: an image server CREATING, ACTIVE, BUILDING, then BUILT; a job
    /// WAITING, RUNNING, then SUCCESS; a deleted one DELETING, then gone), on the status clock
    /// ([`crate::FakeServer::advance_status_clock`] moves it on). Default 1 s.
    pub lifecycle_step: Duration,
    /// Items added at start to the collections the fake remembers (`(collection, item)`, e.g.
    /// `("image_servers", {"id": "…", "name": "…", "status": "BUILT"})`), as
    /// `POST /__fake/collections/{name}` adds them: a reset keeps them. Each needs its collection's
    /// id field; [`crate::FakeServer::start`] refuses one that has none or names no collection.
    pub seed_items: Vec<(String, serde_json::Value)>,
}

impl Default for FakeConfig {
    /// Seed 42; 25 image servers, 30 images, 10 dev-server images; accepts `FAKE_AK`/`FAKE_SK` and
    /// `FAKE_TOKEN`; any project id; no unknown values; 15 minutes of clock skew; 10 000 logged
    /// requests; temporary credentials living 6 hours; the clock on time; one project per region.
    fn default() -> Self {
        FakeConfig {
            seed: 42,
            image_servers: 25,
            images: 30,
            dev_server_images: 10,
            credentials: vec![(FAKE_AK.to_owned(), FAKE_SK.to_owned())],
            tokens: vec![FAKE_TOKEN.to_owned()],
            project_id: None,
            include_unknown_enum_values: false,
            include_unknown_fields: false,
            max_clock_skew: Duration::from_secs(15 * 60),
            request_log_capacity: 10_000,
            throttle: None,
            latency: Duration::ZERO,
            faults: Vec::new(),
            temporary_credential_lifetime: Duration::from_secs(6 * 3600),
            clock_offset_secs: 0,
            iam_projects: Vec::new(),
            lifecycle_step: Duration::from_secs(1),
            seed_items: Vec::new(),
        }
    }
}

impl fmt::Debug for FakeConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let access_keys: Vec<&str> = self.credentials.iter().map(|(ak, _)| ak.as_str()).collect();
        f.debug_struct("FakeConfig")
            .field("seed", &self.seed)
            .field("image_servers", &self.image_servers)
            .field("images", &self.images)
            .field("dev_server_images", &self.dev_server_images)
            .field("access_keys", &access_keys)
            .field(
                "secret_keys",
                &format_args!("[{} redacted]", self.credentials.len()),
            )
            .field("tokens", &format_args!("[{} redacted]", self.tokens.len()))
            .field("project_id", &self.project_id)
            .field(
                "include_unknown_enum_values",
                &self.include_unknown_enum_values,
            )
            .field("include_unknown_fields", &self.include_unknown_fields)
            .field("max_clock_skew", &self.max_clock_skew)
            .field("request_log_capacity", &self.request_log_capacity)
            .field("throttle", &self.throttle)
            .field("latency", &self.latency)
            .field("faults", &self.faults)
            .field(
                "temporary_credential_lifetime",
                &self.temporary_credential_lifetime,
            )
            .field("clock_offset_secs", &self.clock_offset_secs)
            .field("iam_projects", &self.iam_projects)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_secret_keys_and_tokens() {
        let config = FakeConfig {
            credentials: vec![("AK1".into(), "very-secret-sk".into())],
            tokens: vec!["very-secret-token".into()],
            ..FakeConfig::default()
        };
        let shown = format!("{config:?}");
        assert!(shown.contains("AK1"), "{shown}");
        assert!(!shown.contains("very-secret-sk"), "{shown}");
        assert!(!shown.contains("very-secret-token"), "{shown}");
        assert!(!format!("{:?}", FakeConfig::default()).contains(FAKE_SK));
    }
}
