//! A blocking call runs on the blocking client's worker thread; its `huaweicloud_images.call`
//! span must still be a child of the caller's span. (Its own test binary: it installs a global
//! subscriber.)

use std::sync::{Arc, Mutex};

use huaweicloud_images::{Client, Credentials, blocking};
use huaweicloud_images_fake::{FAKE_AK, FAKE_PROJECT_ID, FAKE_SK, FakeConfig, FakeServer};
use tracing::span::{Attributes, Id};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// A span's name and its parent's name.
type NameAndParent = (String, Option<String>);

/// Records every new span as (name, parent's name).
#[derive(Clone, Default)]
struct Parents(Arc<Mutex<Vec<NameAndParent>>>);

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> tracing_subscriber::Layer<S> for Parents {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let parent = ctx
            .span(id)
            .and_then(|span| span.parent())
            .map(|parent| parent.name().to_string());
        self.0
            .lock()
            .unwrap()
            .push((attrs.metadata().name().to_string(), parent));
    }
}

#[test]
fn blocking_calls_keep_the_callers_span_as_parent() {
    let parents = Parents::default();
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(parents.clone()))
        .unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let fake = runtime
        .block_on(FakeServer::start(FakeConfig::default()))
        .unwrap();
    let client = Client::builder()
        .credentials(Credentials::ak_sk(FAKE_AK, FAKE_SK).unwrap())
        .project_id(FAKE_PROJECT_ID)
        .endpoint_for_all(fake.base_url())
        .build()
        .unwrap();
    let sync = blocking::Client::new(client).unwrap();

    tracing::info_span!("user_job").in_scope(|| sync.images().list().limit(1).send().unwrap());
    sync.images().list().limit(1).send().unwrap();

    let calls: Vec<Option<String>> = parents
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|(name, _)| name == "huaweicloud_images.call")
        .map(|(_, parent)| parent.clone())
        .collect();
    assert_eq!(calls, [Some("user_job".to_string()), None]);
}
