//! The corpus consumer: calls every operation of `tests/corpus/spec/` through the facade generated
//! from it, against the fake generated from it, and checks what went over the wire and what came
//! back. `tests/tests/corpus.rs` generates the corpus into a scratch copy of the workspace, builds
//! this program against it and runs it; each shape has its section below.

use std::io::Read as _;

use huaweicloud_images::models::{
    BatchDeleteReq, CreateThingReq, ThingKind, UpdateThingReq, UpgradeScheduledTaskVo, UploadForm,
};
use huaweicloud_images::{Client, Credentials, Error, FilePart, RetryPolicy};
use huaweicloud_images_fake::services::examples::{DOWNLOAD_BYTES, download_byte};
use huaweicloud_images_fake::{
    FAKE_AK, FAKE_PROJECT_ID, FAKE_SK, FakeConfig, FakeServer, Fault, FaultScope, Operation,
    RecordedRequest,
};

const P: &str = FAKE_PROJECT_ID;

/// The one request the fake saw since the log was last cleared.
fn only_request(fake: &FakeServer) -> RecordedRequest {
    let requests = fake.requests();
    assert_eq!(requests.len(), 1, "{requests:#?}");
    fake.clear_requests();
    requests.into_iter().next().unwrap()
}

fn query_pairs(request: &RecordedRequest) -> Vec<String> {
    let mut pairs: Vec<String> = request
        .query
        .clone()
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    pairs.sort();
    pairs
}

fn client(fake: &FakeServer, retry: RetryPolicy) -> Client {
    Client::builder()
        .credentials(Credentials::ak_sk(FAKE_AK, FAKE_SK).unwrap())
        .project_id(P)
        .endpoint_for_all(fake.base_url())
        .retry(retry)
        .build()
        .unwrap()
}

#[tokio::main]
async fn main() {
    let fake = FakeServer::start(FakeConfig::default()).await.unwrap();
    let client = client(&fake, RetryPolicy::disabled());
    fake.clear_requests();

    json_bodies(&fake, &client).await;
    answers(&fake, &client).await;
    files(&fake, &client).await;
    parameters(&fake, &client).await;
    paging(&fake, &client).await;
    names(&fake, &client).await;
    retries(&fake).await;
    tokens_under_faults(&fake).await;
    blocking(fake, client).await;
    println!("corpus consumer: every operation shape called through the facade");
}

/// POST, PUT, PATCH and DELETE with JSON bodies: required bodies as the last argument, an optional
/// one as a setter, required fields checked before anything is sent, 201 with response headers.
async fn json_bodies(fake: &FakeServer, client: &Client) {
    // POST, a required body (a builder is a body), an optional header, 201 and response headers.
    let created = client
        .things()
        .create(
            CreateThingReq::builder()
                .name("first")
                .size(3)
                .labels(std::collections::HashMap::from([("colour".to_owned(), "blue".to_owned())])),
        )
        .x_client_token("token-1")
        .send()
        .await
        .unwrap();
    assert_eq!(created.body.id.as_deref(), Some("example"));
    assert_eq!(created.headers.x_thing_count, Some(1));
    let sent = only_request(fake);
    assert_eq!(created.headers.x_request_id.as_deref(), Some(sent.request_id.as_str()));
    assert_eq!((sent.method.as_str(), sent.status), ("POST", Some(201)));
    assert_eq!(sent.path, format!("/v1/{P}/things"));
    assert_eq!(sent.header("x-client-token"), Some("token-1"));
    assert_eq!(sent.header("content-type"), Some("application/json"));
    // An empty or blank idempotency token is refused before anything is sent.
    for blank in ["", "  "] {
        let refused = client
            .things()
            .create(CreateThingReq::builder().name("second").size(1))
            .x_client_token(blank)
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(&refused, huaweicloud_images::Error::InvalidInput { field, .. } if *field == "X-Client-Token"),
            "{refused:?}"
        );
    }
    assert!(fake.requests().is_empty(), "nothing sent for a blank token");
    assert_eq!(
        sent.json_body().unwrap(),
        serde_json::json!({"name": "first", "size": 3, "labels": {"colour": "blue"}})
    );

    // A required field left out is refused before anything is sent, naming it.
    let missing = client
        .things()
        .create(CreateThingReq::builder().name("no size"))
        .send()
        .await;
    match missing {
        Err(Error::InvalidInput { field: "body", reason }) => assert!(reason.contains("size"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());

    // PUT: path parameter, then the body; a plain struct is a body too.
    let body = UpdateThingReq {
        name: Some("renamed".into()),
        description: None,
    };
    let updated = client.things().update("t-1", body).await.unwrap();
    assert_eq!(updated.name.as_deref(), Some("example"));
    let sent = only_request(fake);
    assert_eq!((sent.method.as_str(), sent.path.as_str()), ("PUT", &*format!("/v1/{P}/things/t-1")));
    assert_eq!(sent.json_body().unwrap(), serde_json::json!({"name": "renamed"}));

    // PATCH with an optional body: without it nothing is sent as the body; with it, the JSON.
    client.things().patch("t-1").send().await.unwrap();
    let sent = only_request(fake);
    assert_eq!((sent.method.as_str(), sent.body_len), ("PATCH", 0));
    assert_eq!(sent.header("content-type"), Some("application/json"), "the runtime's default");
    client
        .things()
        .patch("t-1")
        .body(UpdateThingReq::builder().description(Some("new".to_owned())))
        .send()
        .await
        .unwrap();
    let sent = only_request(fake);
    assert_eq!(sent.json_body().unwrap(), serde_json::json!({"description": "new"}));

    // DELETE answering 204: `()`.
    let () = client.things().delete("t-1").await.unwrap();
    let sent = only_request(fake);
    assert_eq!((sent.method.as_str(), sent.status, sent.body_len), ("DELETE", Some(204), 0));

    // DELETE with a body, answering the documented example.
    let job = client
        .things()
        .batch_delete(BatchDeleteReq::builder().items(vec!["a".into(), "b".into()]))
        .await
        .unwrap();
    assert_eq!(job.job_id.as_deref(), Some("job-1"));
    let sent = only_request(fake);
    assert_eq!(sent.method, "DELETE");
    assert_eq!(sent.json_body().unwrap(), serde_json::json!({"items": ["a", "b"]}));

    // POST without a body (an action), answering 202.
    let job = client.things().restart("t-1").await.unwrap();
    assert_eq!(job.job_id.as_deref(), Some("example"));
    let sent = only_request(fake);
    assert_eq!((sent.method.as_str(), sent.status, sent.body_len), ("POST", Some(202), 0));

    // A schema name progenitor renames (`…VO` → `…Vo`), as body and answer.
    let task = client
        .things()
        .upgrade(UpgradeScheduledTaskVo {
            task_id: Some("task-9".into()),
        })
        .await
        .unwrap();
    assert_eq!(task.task_id.as_deref(), Some("example"));
    assert_eq!(
        only_request(fake).json_body().unwrap(),
        serde_json::json!({"task_id": "task-9"})
    );
    println!("json bodies: POST, PUT, PATCH (with and without), DELETE (204, with a body), actions");
}

/// Every kind of answer: top-level array, map, free-form object, plain text.
async fn answers(fake: &FakeServer, client: &Client) {
    let summaries = client.things().summaries().await.unwrap();
    assert_eq!(summaries.len(), 1);
    assert_eq!(summaries[0].kind, Some(ThingKind::Small));
    let labels = client.things().labels("t-1").await.unwrap();
    assert_eq!(labels.get("colour").map(String::as_str), Some("blue"));
    let raw = client.things().raw("t-1").await.unwrap();
    assert_eq!(raw["anything"][1], "two");
    let status = client.things().status("t-1").await.unwrap();
    assert_eq!(status, "RUNNING");
    let ips = client.things().public_ips().send().await.unwrap();
    assert_eq!(ips, ["192.0.2.1", "192.0.2.2"]);
    assert_eq!(fake.requests().len(), 5);
    fake.clear_requests();
    println!("answers: array, map, free-form object, text, array of strings");
}

/// Files: a multipart upload with a file part, a raw binary upload, a streamed download.
async fn files(fake: &FakeServer, client: &Client) {
    // Past axum's and the old gateway's limits: 3 MB.
    let mut content = b"hello, file".to_vec();
    content.resize(3_000_000, b'.');
    let mut form = UploadForm::new(FilePart::new("notes.txt", content).content_type("text/plain"));
    form.description = Some("my notes".into());
    let () = client.things().upload("t-1", form).await.unwrap();
    let sent = only_request(fake);
    assert_eq!((sent.method.as_str(), sent.status), ("POST", Some(202)));
    let content_type = sent.header("content-type").unwrap().to_owned();
    assert!(content_type.starts_with("multipart/form-data; boundary="), "{content_type}");
    assert_eq!(sent.header("x-sdk-content-sha256"), Some("UNSIGNED-PAYLOAD"));
    assert!(sent.body_len > 3_000_000, "{}", sent.body_len);
    let body = String::from_utf8_lossy(&sent.body).into_owned();
    assert!(body.contains("filename=\"notes.txt\""), "{body:.300}");
    assert!(body.contains("hello, file"), "{body:.300}");
    // A file name that would break the part's header is refused before anything is sent.
    let injected = UploadForm::new(FilePart::new("a\r\nContent-Type: text/html", "x"));
    match client.things().upload("t-1", injected).await {
        Err(Error::InvalidInput { field: "file", .. }) => {}
        other => panic!("{other:?}"),
    }
    assert!(fake.requests().is_empty());

    // The fake refuses a form without its required part (here the part is named otherwise by
    // a raw request): the facade's form type cannot be built without it.
    let bytes = vec![7u8; 3_000_000];
    let () = client.things().put_blob("t-1", bytes.clone()).await.unwrap();
    let sent = only_request(fake);
    assert_eq!((sent.method.as_str(), sent.status), ("PUT", Some(204)));
    assert_eq!(sent.header("content-type"), Some("application/octet-stream"));
    assert_eq!(sent.body_len, bytes.len());

    // Bytes of another media type, in an optional body: sent with its type, or not at all.
    let () = client.things().put_picture("t-1").body(vec![0x89, b'P', b'N', b'G']).send().await.unwrap();
    let sent = only_request(fake);
    assert_eq!((sent.header("content-type"), sent.body_len), (Some("image/png"), 4));
    let () = client.things().put_picture("t-1").send().await.unwrap();
    assert_eq!(only_request(fake).body_len, 0);

    let mut download = client.things().download("t-1").await.unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(download.content_length(), Some(DOWNLOAD_BYTES as u64));
    let mut received = 0;
    let mut chunks = 0;
    while let Some(chunk) = download.chunk().await.unwrap() {
        for (i, byte) in chunk.iter().enumerate() {
            assert_eq!(*byte, download_byte(received + i));
        }
        received += chunk.len();
        chunks += 1;
    }
    assert_eq!(received, DOWNLOAD_BYTES);
    assert_eq!(download.received(), DOWNLOAD_BYTES as u64);
    // A small cap refuses it before reading it whole.
    let small = client.things().download("t-1").await.unwrap().bytes_up_to(1000).await;
    assert!(matches!(small, Err(Error::BodyTooLarge { limit: 1000, .. })), "{small:?}");
    fake.clear_requests();
    println!("files: multipart form, raw bytes, download streamed in {chunks} chunks");
}

/// Parameters: arrays (comma-separated and repeated), a keyword name, a header.
async fn parameters(fake: &FakeServer, client: &Client) {
    let page = client
        .things()
        .list()
        .ids(["t1", "t2"])
        .kinds([ThingKind::Small, ThingKind::Large])
        .type_("plain")
        .x_language("en-us")
        .limit(5)
        .send()
        .await
        .unwrap();
    assert_eq!(page.total, Some(5));
    let sent = only_request(fake);
    assert_eq!(
        query_pairs(&sent),
        ["ids=t1%2Ct2", "kinds=large", "kinds=small", "limit=5", "type=plain"]
    );
    assert_eq!(sent.header("x-language"), Some("en-us"));

    // Checked before anything is sent, naming the parameter.
    for (refused, field) in [
        (client.things().list().ids(["a,b"]).send().await, "ids"),
        (client.things().list().ids(["x".repeat(37)]).send().await, "ids"),
        (client.things().list().type_("bell\u{7}").send().await, "type"),
        (client.things().list().x_language("\n").send().await, "X-Language"),
    ] {
        match refused {
            Err(Error::InvalidInput { field: got, .. }) => assert_eq!(got, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
    // An id is one path segment, in every shape.
    let escaped = client.things().update("..", UpdateThingReq::default()).await;
    assert!(matches!(escaped, Err(Error::InvalidInput { field: "thing_id", .. })), "{escaped:?}");
    assert!(fake.requests().is_empty());
    println!("parameters: arrays comma-separated and repeated, `type_`, a header, checks before I/O");
}

/// Every paging style, each item once and in order.
async fn paging(fake: &FakeServer, client: &Client) {
    let ids = |things: Vec<huaweicloud_images::models::Thing>| -> Vec<String> {
        things.into_iter().map(|t| t.id.unwrap_or_default()).collect()
    };
    // Offset/limit, a limit without a maximum: its default (2) is the page size.
    let all = client.things().list().paginate().collect_all().await.unwrap();
    assert_eq!(ids(all), ["t1", "t2", "t3", "t4", "t5"]);
    let limits: Vec<String> = fake
        .requests()
        .iter()
        .map(|r| query_pairs(r).join("&"))
        .collect();
    assert!(limits.iter().all(|q| q.contains("limit=2")), "{limits:?}");
    assert_eq!(limits.len(), 3, "{limits:?}");
    fake.clear_requests();
    // A second listing answering the same schema.
    let more = client.things().list_more().paginate().page_size(1).collect_all().await.unwrap();
    assert_eq!(more.len(), 3, "the synthesized listing has three items");
    fake.clear_requests();

    // Marker from the answer's `next_marker`.
    let pages: Vec<_> = futures_collect(client.things().list_by_marker().paginate().page_size(2).pages()).await;
    let cursors: Vec<Option<String>> = pages.iter().map(|p| p.cursor.clone()).collect();
    assert_eq!(cursors, [None, Some("m2".into()), Some("m4".into())]);
    let items: Vec<String> = pages.into_iter().flat_map(|p| p.items).map(|t| t.id.unwrap()).collect();
    assert_eq!(items, ["m1", "m2", "m3", "m4", "m5"]);
    fake.clear_requests();

    // Marker: the last item's id, until an empty page.
    let after = client.things().list_after_last().paginate().page_size(2).collect_all().await.unwrap();
    assert_eq!(ids(after), ["l1", "l2", "l3"]);
    let markers: Vec<Vec<String>> = fake.requests().iter().map(query_pairs).collect();
    assert_eq!(
        markers,
        [
            vec!["limit=2".to_owned()],
            vec!["limit=2".to_owned(), "marker=l2".to_owned()],
            vec!["limit=2".to_owned(), "marker=l3".to_owned()],
        ]
    );
    fake.clear_requests();

    // A continuation token named `continue` (a keyword), resumable from a page's next cursor.
    let by_token = client.things().list_by_token().paginate().page_size(3).collect_all().await.unwrap();
    assert_eq!(ids(by_token), ["k1", "k2", "k3", "k4"]);
    let resumed = client
        .things()
        .list_by_token()
        .paginate()
        .page_size(3)
        .start_at("t3")
        .collect_all()
        .await
        .unwrap();
    assert_eq!(ids(resumed), ["k4"]);
    fake.clear_requests();

    // Page index from 1, with a total.
    let by_page = client.things().list_by_page().paginate().collect_all().await.unwrap();
    assert_eq!(ids(by_page), ["p1", "p2", "p3", "p4", "p5"]);
    let pages: Vec<String> = fake.requests().iter().map(|r| query_pairs(r).join("&")).collect();
    let mut sorted = pages.clone();
    sorted.sort();
    assert_eq!(sorted, ["page=1&per_page=2", "page=2&per_page=2", "page=3&per_page=2"]);
    // Resuming inside a page (a `next_offset` after `max_items`): that page, from the start on.
    let first = client.things().list_by_page().paginate().max_items(3).pages();
    let first: Vec<huaweicloud_images::Page<huaweicloud_images::models::Thing>> = futures_collect(first).await;
    let resume = first.last().unwrap().next_offset.unwrap();
    assert_eq!(resume, 3);
    let rest = client.things().list_by_page().paginate().start_offset(resume).collect_all().await.unwrap();
    assert_eq!(ids(rest), ["p4", "p5"]);
    let from_page = client.things().list_by_page().page(2).paginate().collect_all().await.unwrap();
    assert_eq!(ids(from_page), ["p3", "p4", "p5"]);
    fake.clear_requests();

    // A service that serves the first page whatever the marker says is stopped.
    fake.inject(Fault::IgnoreOffset, FaultScope::Always, Some(Operation::ListThingsByMarker));
    let stuck = client.things().list_by_marker().paginate().page_size(2).collect_all().await;
    assert!(matches!(stuck, Err(Error::Pagination { .. })), "{stuck:?}");
    fake.clear_faults();
    fake.clear_requests();
    println!("paging: offset/limit (no maximum), shared schema, marker (field, last id), token, page index");
}

async fn futures_collect<T>(
    stream: futures::stream::BoxStream<'static, Result<T, Error>>,
) -> Vec<T> {
    use futures::TryStreamExt;
    stream.try_collect().await.unwrap()
}

/// Names: a tag two services use (per-service resources, prefixed accessors), a seed accessor
/// pinned, a non-strict official name.
async fn names(fake: &FakeServer, client: &Client) {
    let alpha: Vec<huaweicloud_images::models::Inner> = client.alpha_images().list().await.unwrap();
    assert_eq!(alpha.len(), 1);
    let beta = client.beta_images().list().paginate().page_size(2).collect_all().await.unwrap();
    assert_eq!(beta.len(), 3);
    // Workspace's `images()` is as it was.
    let workspace = client.images().list().limit(1).send().await.unwrap();
    assert!(workspace.images.is_some());
    // A route Alpha has too, with another parameter name and another method.
    let copy = client.beta_things().copy("t-1").await.unwrap();
    assert_eq!(copy.id.as_deref(), Some("example"));
    let _typed: huaweicloud_images::alpha::Things<'_> = client.things();
    let _typed: huaweicloud_images::alpha::Images<'_> = client.alpha_images();
    let _typed: huaweicloud_images::beta::Images<'_> = client.beta_images();
    let _builder: huaweicloud_images::ListDevServerPublicIp = client.things().public_ips();
    assert!(
        huaweicloud_images::OPERATIONS
            .iter()
            .any(|op| op.name == "ListDevServerPublicIP" && op.idempotent)
    );
    fake.clear_requests();
    println!("names: shared tag, pinned accessor, official name kept");
}

/// A POST or a PATCH is sent once when it may have arrived (the error says it may have been
/// applied); one with an idempotency token is retried with the same token; a GET, PUT or DELETE is
/// retried.
async fn retries(fake: &FakeServer) {
    let client = client(fake, RetryPolicy::default());
    fake.inject(Fault::ServiceUnavailable, FaultScope::Next(1), Some(Operation::PatchThing));
    let once = client.things().patch("t").send().await.unwrap_err();
    assert!(once.may_have_been_applied(), "{once:?}");
    assert_eq!(once.status(), Some(503));
    assert_eq!(fake.requests().len(), 1, "{:?}", fake.requests());
    fake.clear_requests();
    // Throttled by the gateway before the service saw it: sent again.
    fake.inject(
        Fault::TooManyRequests { retry_after_secs: 0 },
        FaultScope::Next(1),
        Some(Operation::PatchThing),
    );
    client.things().patch("t").send().await.unwrap();
    assert_eq!(fake.requests().len(), 2);
    fake.clear_requests();
    // With its idempotency token (fresh per call), a POST is retried with the same token.
    fake.inject(Fault::ServiceUnavailable, FaultScope::Next(1), Some(Operation::CreateThing));
    client
        .things()
        .create(CreateThingReq::builder().name("once").size(1))
        .send()
        .await
        .unwrap();
    let tokens: Vec<String> = fake
        .requests()
        .iter()
        .map(|r| r.header("x-client-token").unwrap().to_owned())
        .collect();
    assert_eq!(tokens.len(), 2, "{tokens:?}");
    assert_eq!(tokens[0], tokens[1]);
    assert_eq!(tokens[0].len(), 36, "a UUID: {tokens:?}");
    fake.clear_requests();
    // Every failure that may have arrived says so, with the token to repeat it with.
    fake.inject(Fault::ServiceUnavailable, FaultScope::Always, Some(Operation::CreateThing));
    let error = client
        .things()
        .create(CreateThingReq::builder().name("down").size(1))
        .x_client_token("my-token")
        .send()
        .await
        .unwrap_err();
    match &error {
        huaweicloud_images::Error::Unconfirmed {
            idempotency_token, ..
        } => assert_eq!(idempotency_token.as_deref(), Some("my-token")),
        other => panic!("{other:?}"),
    }
    fake.clear_faults();
    fake.clear_requests();
    fake.inject(Fault::ServiceUnavailable, FaultScope::Next(1), Some(Operation::UpdateThing));
    client.things().update("t", UpdateThingReq::default()).await.unwrap();
    assert_eq!(fake.requests().len(), 2);
    fake.clear_requests();
    println!("retries: PATCH sent once (unconfirmed) or again after a gateway refusal, POST with a token retried, PUT retried");
}

/// 60 creates of an operation with an idempotency token, 8 at a time, under 20 % of faults that
/// strike before and after the fake applied them: every create succeeds (sent again with its
/// token) and makes exactly one gadget. Then two creates with one caller-set token at once make
/// one gadget, and the token reused with another body is refused, not applied.
async fn tokens_under_faults(fake: &FakeServer) {
    use futures::StreamExt as _;
    use huaweicloud_images::models::CreateGadgetReq;
    let client = client(
        fake,
        RetryPolicy::default()
            .with_max_attempts(8)
            .with_initial_backoff(std::time::Duration::from_millis(1))
            .with_max_backoff(std::time::Duration::from_millis(5))
            .without_retry_budget(),
    );
    for fault in [
        Fault::InternalServerErrorAfterApply,
        Fault::ConnectionResetAfterApply,
        Fault::ServiceUnavailable,
        Fault::ConnectionReset,
    ] {
        fake.inject(fault, FaultScope::Rate(0.05), Some(Operation::CreateGadget));
    }
    let outcomes: Vec<(String, Result<String, Error>)> = futures::stream::iter(0..60)
        .map(|n| {
            let client = client.clone();
            async move {
                let name = format!("gadget-{n}");
                let made = client
                    .gadgets()
                    .create(CreateGadgetReq::builder().name(name.clone()))
                    .send()
                    .await
                    .map(|gadget| gadget.id.unwrap_or_default());
                (name, made)
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    fake.clear_faults();
    let gadgets = fake.collection("gadgets");
    for (name, made) in &outcomes {
        let id = made.as_ref().unwrap_or_else(|e| panic!("{name}: {e}"));
        let same: Vec<_> = gadgets.iter().filter(|g| g["name"] == name.as_str()).collect();
        assert_eq!(same.len(), 1, "{name}: {same:?}");
        assert_eq!(same[0]["id"], id.as_str(), "{name}: the answer names the one gadget");
    }
    let requests = fake.requests().len();
    assert!(requests > 60, "the faults made retries: {requests}");
    fake.clear_requests();

    let twice = |name: &'static str| {
        client
            .gadgets()
            .create(CreateGadgetReq::builder().name(name))
            .x_client_token("caller-token-1")
            .send()
    };
    let (a, b) = tokio::join!(twice("same"), twice("same"));
    assert_eq!(a.unwrap().id, b.unwrap().id);
    let reused = twice("other").await.unwrap_err();
    assert_eq!(reused.status(), Some(409), "{reused:?}");
    assert!(!reused.may_have_been_applied(), "a refusal applies nothing");
    let named = |name: &str| {
        fake.collection("gadgets")
            .iter()
            .filter(|g| g["name"] == name)
            .count()
    };
    assert_eq!((named("same"), named("other")), (1, 0));
    println!(
        "tokens: 60 creates under 20 % faults → 60 gadgets, {requests} requests; one token twice at once → one gadget; reused with another body → 409"
    );
}

/// The blocking flavour of the new shapes.
async fn blocking(fake: FakeServer, client: Client) {
    tokio::task::spawn_blocking(move || {
        let blocking = huaweicloud_images::blocking::Client::new(client).unwrap();
        let mut download = blocking.things().download("t-1").unwrap();
        let mut bytes = Vec::new();
        download.read_to_end(&mut bytes).unwrap();
        assert_eq!(bytes.len(), DOWNLOAD_BYTES);
        assert!(bytes.iter().enumerate().all(|(i, b)| *b == download_byte(i)));
        let ids: Vec<String> = blocking
            .things()
            .list_by_marker()
            .paginate()
            .page_size(2)
            .items()
            .map(|t| t.unwrap().id.unwrap())
            .collect();
        assert_eq!(ids, ["m1", "m2", "m3", "m4", "m5"]);
        let created = blocking
            .things()
            .create(CreateThingReq::builder().name("b").size(2))
            .send()
            .unwrap();
        assert_eq!(created.headers.x_thing_count, Some(1));
        let () = blocking.things().delete("t-1").unwrap();
        drop(fake);
    })
    .await
    .unwrap();
    println!("blocking: download read, cursor listing, create, delete");
}
