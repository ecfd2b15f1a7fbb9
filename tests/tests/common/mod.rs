//! Helpers shared by the end-to-end tests: a fake per test, a client pointed at it, the fake's data
//! as the facade's models, and checks of what the fake recorded.
#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::sync::{Arc, Mutex, Once, PoisonError};
use std::time::Duration;

use huaweicloud_images::models::{DevServerImage, ImageInfo, ImageServer};
use huaweicloud_images::{Client, ClientBuilder, Credentials, RetryPolicy};
use huaweicloud_images_fake::signing::Authorization;
use huaweicloud_images_fake::{
    FAKE_AK, FAKE_PROJECT_ID, FAKE_SK, FakeConfig, FakeServer, RecordedRequest,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Subscriber;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// The project every test calls (the documents' example project).
pub const PROJECT: &str = FAKE_PROJECT_ID;

/// Starts a fake with `config`.
pub async fn start(config: FakeConfig) -> FakeServer {
    FakeServer::start(config).await.unwrap()
}

/// Starts a fake with the default configuration.
pub async fn start_default() -> FakeServer {
    start(FakeConfig::default()).await
}

/// Retries that wait only a few milliseconds, without jitter.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .without_jitter()
        .with_initial_backoff(Duration::from_millis(2))
        .with_max_backoff(Duration::from_millis(10))
}

/// A builder with the fake's AK/SK and project, every service at the fake, fast retries.
pub fn builder(fake: &FakeServer) -> ClientBuilder {
    Client::builder()
        .credentials(Credentials::ak_sk(FAKE_AK, FAKE_SK).unwrap())
        .project_id(PROJECT)
        .endpoint_for_all(fake.base_url())
        .retry(fast_retry())
}

/// The client of [`builder`].
pub fn client(fake: &FakeServer) -> Client {
    builder(fake).build().unwrap()
}

/// The client of [`builder`] with retries turned off.
pub fn client_without_retries(fake: &FakeServer) -> Client {
    builder(fake)
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap()
}

/// A fake object as the facade's model, through the JSON the fake serves.
pub fn convert<T: Serialize, U: DeserializeOwned>(value: &T) -> U {
    serde_json::from_value(serde_json::to_value(value).unwrap()).unwrap()
}

/// Every image server of the fake, in its serving order, as facade models.
pub fn expected_servers(fake: &FakeServer) -> Vec<ImageServer> {
    fake.data().image_servers.iter().map(convert).collect()
}

/// Every product image of the fake, in its default (name) order, as facade models.
pub fn expected_images(fake: &FakeServer) -> Vec<ImageInfo> {
    fake.data().images.iter().map(convert).collect()
}

/// Every ModelArts image of the fake, as facade models.
pub fn expected_dev_images(fake: &FakeServer) -> Vec<DevServerImage> {
    fake.data().dev_server_images.iter().map(convert).collect()
}

/// The ids of image servers (for readable failure messages on long lists).
pub fn server_ids(servers: &[ImageServer]) -> Vec<String> {
    servers.iter().map(|s| s.id.clone().unwrap()).collect()
}

/// The ids of images.
pub fn image_ids(images: &[ImageInfo]) -> Vec<String> {
    images.iter().map(|i| i.id.clone().unwrap()).collect()
}

/// The `key=value` pairs of a raw query string, still encoded, sorted.
pub fn query_pairs(query: Option<&str>) -> Vec<String> {
    let mut pairs: Vec<String> = query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    pairs.sort();
    pairs
}

/// The raw (still encoded) value of query parameter `name`.
pub fn query_param(request: &RecordedRequest, name: &str) -> Option<String> {
    request
        .query
        .as_deref()?
        .split('&')
        .find_map(|pair| pair.strip_prefix(&format!("{name}=")).map(str::to_owned))
}

/// The `offset` parameter of a list request.
pub fn offset_of(request: &RecordedRequest) -> u64 {
    query_param(request, "offset").unwrap().parse().unwrap()
}

/// `X-Sdk-Date` is `yyyyMMddTHHmmssZ`.
pub fn is_sdk_date(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.len() == 16
        && bytes[..8].iter().all(u8::is_ascii_digit)
        && bytes[8] == b'T'
        && bytes[9..15].iter().all(u8::is_ascii_digit)
        && bytes[15] == b'Z'
}

/// Checks a request the facade signed with the fake's AK/SK: a GET with a valid `X-Sdk-Date`,
/// `X-Project-Id`, an `SDK-HMAC-SHA256` authorization over sorted headers that were all sent, no
/// `api-version`, and accepted by the fake.
pub fn assert_signed(request: &RecordedRequest) {
    assert_eq!(request.method, "GET", "{request:?}");
    assert!(request.auth_passed, "{request:?}");
    let date = request.header("x-sdk-date").expect("X-Sdk-Date");
    assert!(is_sdk_date(date), "{date}");
    assert_eq!(request.header("x-project-id"), Some(PROJECT));
    assert_eq!(request.header("api-version"), None, "{request:?}");
    assert_eq!(request.header("x-auth-token"), None);
    let authorization = request.header("authorization").expect("Authorization");
    assert!(
        authorization.starts_with(&format!("SDK-HMAC-SHA256 Access={FAKE_AK}, SignedHeaders=")),
        "{authorization}"
    );
    let parsed = Authorization::parse(authorization).expect("parsable Authorization");
    assert_eq!(parsed.access, FAKE_AK);
    assert_eq!(parsed.signature, "***", "the fake masks the signature");
    let names = &parsed.signed_headers;
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, &sorted, "signed headers are sorted");
    for required in ["host", "x-project-id", "x-sdk-date"] {
        assert!(
            names.iter().any(|n| n == required),
            "{required} in {names:?}"
        );
    }
    for name in names {
        assert!(
            request.header(name).is_some(),
            "{name} was signed but not sent"
        );
    }
}

/// Everything traced on the current thread while a [`Capture`] is alive: the fmt output (TRACE,
/// span events included) and the fields of every closed span.
///
/// One global subscriber (installed on first use, with `log` records forwarded to it) writes into
/// per-thread sinks. A global subscriber rather than `set_default`: with scoped subscribers, a
/// callsite first hit on another test's thread can be cached as uninteresting and vanish from the
/// capture. Tests that capture run on a current-thread runtime, so the fake's tasks and the HTTP
/// connection tasks trace on the test's thread too.
pub struct Capture {
    text: Arc<Mutex<Vec<u8>>>,
    spans: Arc<Mutex<Vec<SpanRecord>>>,
}

/// A closed span: its name and the fields it was given or recorded (values as `Debug` prints them,
/// strings unquoted).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SpanRecord {
    pub name: String,
    pub fields: BTreeMap<String, String>,
}

impl SpanRecord {
    /// A field's value.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

thread_local! {
    static SINK: RefCell<Option<Capture>> = const { RefCell::new(None) };
}

impl Capture {
    /// Starts capturing on this thread (until the returned value is dropped).
    pub fn start() -> Capture {
        static INSTALL: Once = Once::new();
        INSTALL.call_once(|| {
            let _ = tracing_log::LogTracer::init();
            let fmt = tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_span_events(FmtSpan::FULL)
                .with_writer(|| ThreadWriter);
            let subscriber = tracing_subscriber::registry()
                .with(LevelFilter::TRACE)
                .with(fmt)
                .with(SpanRecorder);
            tracing::subscriber::set_global_default(subscriber)
                .expect("no other global subscriber in the e2e tests");
        });
        let capture = Capture {
            text: Arc::default(),
            spans: Arc::default(),
        };
        SINK.with(|sink| *sink.borrow_mut() = Some(capture.share()));
        capture
    }

    fn share(&self) -> Capture {
        Capture {
            text: Arc::clone(&self.text),
            spans: Arc::clone(&self.spans),
        }
    }

    /// The fmt output so far.
    pub fn text(&self) -> String {
        let bytes = self.text.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// The spans closed so far called `name`, in closing order.
    pub fn spans(&self, name: &str) -> Vec<SpanRecord> {
        let spans = self.spans.lock().unwrap_or_else(PoisonError::into_inner);
        spans.iter().filter(|s| s.name == name).cloned().collect()
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        // Only the value returned by `start` (not the copy in the sink) clears the sink.
        if Arc::strong_count(&self.text) == 2 {
            let _ = SINK.try_with(|sink| sink.borrow_mut().take());
        }
    }
}

fn with_sink(f: impl FnOnce(&Capture)) {
    let _ = SINK.try_with(|sink| {
        if let Ok(sink) = sink.try_borrow()
            && let Some(capture) = sink.as_ref()
        {
            f(capture);
        }
    });
}

/// Writes into the current thread's sink, if any.
struct ThreadWriter;

impl io::Write for ThreadWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        with_sink(|capture| {
            capture
                .text
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend_from_slice(buf)
        });
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The fields of a span, kept in its extensions until it closes.
#[derive(Default)]
struct Fields(BTreeMap<String, String>);

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

/// Keeps each span's fields and hands them to the current thread's sink when the span closes.
struct SpanRecorder;

impl<S> Layer<S> for SpanRecorder
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id)
            && let Some(fields) = span.extensions_mut().get_mut::<Fields>()
        {
            values.record(fields);
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let fields = span.extensions_mut().remove::<Fields>().unwrap_or_default();
        let record = SpanRecord {
            name: span.name().to_owned(),
            fields: fields.0,
        };
        with_sink(|capture| {
            capture
                .spans
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(record)
        });
    }
}
