//! The blocking client from plain `#[test]`s: the same answers as the async client, iterators equal
//! to the streams; and calls that work from inside an async runtime too (an async body, a worker
//! thread's task, `spawn_blocking`).
//!
//! The fake runs on a multi-threaded runtime kept for the test's length; its worker thread serves
//! requests while the test's thread blocks. The async client the answers are compared with is a
//! separate `Client` (its own connection pool), driven by that same runtime.

mod common;

use common::*;
use futures::TryStreamExt;
use huaweicloud_images::models::{SortField, SortType};
use huaweicloud_images::{Client, Error, blocking};
use huaweicloud_images_fake::{FakeConfig, FakeServer};
use tokio::runtime::Runtime;

/// A running fake and the runtime that serves it (declared first, dropped last).
struct Served {
    runtime: Runtime,
    fake: FakeServer,
}

fn serve(config: FakeConfig) -> Served {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let fake = runtime.block_on(FakeServer::start(config)).unwrap();
    Served { runtime, fake }
}

impl Served {
    fn blocking(&self) -> blocking::Client {
        blocking::Client::new(client(&self.fake)).unwrap()
    }

    fn run<T>(&self, future: impl Future<Output = T>) -> T {
        self.runtime.block_on(future)
    }
}

#[test]
fn every_operation_answers_as_the_async_client_does() {
    let served = serve(FakeConfig::default());
    let fake = &served.fake;
    let sync = served.blocking();
    let r#async: Client = client(fake);
    let server_id = fake.data().image_servers[5].id.clone();
    let dev_id = fake.data().dev_server_images[5].image_id.clone();

    let servers = sync
        .image_servers()
        .list()
        .server_name("image-server")
        .offset(2)
        .limit(4)
        .send()
        .unwrap();
    let expected = served.run(
        r#async
            .image_servers()
            .list()
            .server_name("image-server")
            .offset(2)
            .limit(4)
            .send(),
    );
    assert_eq!(servers, expected.unwrap());
    assert_eq!(servers.items.as_ref().unwrap().len(), 4);

    let server = sync.image_servers().get(&server_id).unwrap();
    assert_eq!(
        server,
        served.run(r#async.image_servers().get(&server_id)).unwrap()
    );
    assert_eq!(server, expected_servers(fake)[5]);

    let images = sync
        .images()
        .list()
        .sort(SortField::CreatedAt, SortType::Desc)
        .limit(9)
        .send()
        .unwrap();
    let expected = served.run(
        r#async
            .images()
            .list()
            .sort(SortField::CreatedAt, SortType::Desc)
            .limit(9)
            .send(),
    );
    assert_eq!(images, expected.unwrap());

    let dev = sync.dev_server_images().get(&dev_id).unwrap();
    assert_eq!(
        dev,
        served
            .run(r#async.dev_server_images().get(&dev_id))
            .unwrap()
    );
    assert_eq!(dev, expected_dev_images(fake)[5]);

    let requests = fake.requests();
    assert_eq!(requests.len(), 8, "one request per call, blocking or not");
    for pair in requests.chunks(2) {
        assert_eq!(pair[0].path, pair[1].path);
        assert_eq!(pair[0].query, pair[1].query);
    }
    requests.iter().for_each(assert_signed);
}

#[test]
fn errors_are_the_same_as_async_ones() {
    let served = serve(FakeConfig::default());
    let sync = served.blocking();
    let r#async = client(&served.fake);

    let blocking_error = sync.image_servers().get("missing").unwrap_err();
    let async_error = served
        .run(r#async.image_servers().get("missing"))
        .unwrap_err();
    let (b, a) = (
        blocking_error.as_api().unwrap(),
        async_error.as_api().unwrap(),
    );
    assert_eq!(
        (b.status, &b.error_code),
        (404, &Some("WKS.00010404".to_owned()))
    );
    assert_eq!(
        (b.status, &b.error_code, &b.error_msg),
        (a.status, &a.error_code, &a.error_msg)
    );
    assert_ne!(b.request_id, a.request_id, "two requests");

    let invalid = sync.dev_server_images().get("not-a-uuid").unwrap_err();
    assert!(
        matches!(invalid, Error::InvalidInput { field: "id", .. }),
        "{invalid:?}"
    );
    let invalid = sync
        .images()
        .list()
        .paginate()
        .page_size(0)
        .collect_all()
        .unwrap_err();
    assert!(
        matches!(
            invalid,
            Error::InvalidInput {
                field: "page_size",
                ..
            }
        ),
        "{invalid:?}"
    );
    assert_eq!(served.fake.requests().len(), 2);
}

#[test]
fn paginator_iterators_equal_the_streams() {
    let config = FakeConfig {
        image_servers: 297,
        images: 398,
        ..FakeConfig::default()
    };
    let served = serve(config);
    let fake = &served.fake;
    let sync = served.blocking();
    let r#async = client(fake);

    let items: Vec<_> = sync
        .image_servers()
        .list()
        .paginate()
        .page_size(7)
        .items()
        .collect::<Result<_, _>>()
        .unwrap();
    let stream: Vec<_> = served
        .run(
            r#async
                .image_servers()
                .list()
                .paginate()
                .page_size(7)
                .items()
                .try_collect(),
        )
        .unwrap();
    assert_eq!(items, stream);
    assert_eq!(items, expected_servers(fake));

    let pages: Vec<_> = sync
        .images()
        .list()
        .sort(SortField::Name, SortType::Desc)
        .paginate()
        .page_size(33)
        .concurrency(1)
        .pages()
        .collect::<Result<_, _>>()
        .unwrap();
    let stream_pages: Vec<_> = served
        .run(
            r#async
                .images()
                .list()
                .sort(SortField::Name, SortType::Desc)
                .paginate()
                .page_size(33)
                .concurrency(1)
                .pages()
                .try_collect(),
        )
        .unwrap();
    assert_eq!(pages, stream_pages);
    assert_eq!(pages.len(), 400_usize.div_ceil(33));
    let mut by_name_desc = expected_images(fake);
    by_name_desc.reverse();
    let flattened: Vec<_> = pages.into_iter().flat_map(|p| p.items).collect();
    assert_eq!(flattened, by_name_desc);

    let capped = sync
        .images()
        .list()
        .paginate()
        .start_offset(10)
        .max_items(150)
        .collect_all()
        .unwrap();
    assert_eq!(capped, expected_images(fake)[10..160]);
}

#[test]
fn an_iterator_ends_after_its_first_error() {
    let served = serve(FakeConfig::default());
    let sync = blocking::Client::new(client_without_retries(&served.fake)).unwrap();
    served.fake.inject(
        huaweicloud_images_fake::Fault::ServiceUnavailable,
        huaweicloud_images_fake::FaultScope::Next(1),
        None,
    );
    let mut items = sync.images().list().paginate().items();
    let first = items.next().unwrap().unwrap_err();
    assert_eq!(first.status(), Some(503));
    assert!(items.next().is_none());
    assert_eq!(served.fake.requests().len(), 1);
}

#[test]
fn calls_from_inside_a_runtime_work() {
    let served = serve(FakeConfig::default());
    let fake = &served.fake;
    let sync = served.blocking();
    let (page, servers) = served.run(async {
        let page = sync.images().list().send();
        let servers: Result<Vec<_>, _> = sync.image_servers().list().paginate().items().collect();
        (page, servers)
    });
    assert_eq!(page.unwrap().images.unwrap(), expected_images(fake));
    assert_eq!(servers.unwrap(), expected_servers(fake));
    assert!(fake.requests().iter().all(|r| r.status == Some(200)));
    // Outside the runtime again, the same client works.
    assert_eq!(sync.images().list().send().unwrap().total_count, Some(32));
}

/// The body runs inside the runtime (on the thread that drives it) and calls the blocking client
/// directly; the fake is served by the runtime's worker threads meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_from_an_async_body_work_and_the_client_drops_there() {
    let fake = start_default().await;
    let server = &expected_servers(&fake)[4];
    let id = server.id.clone().unwrap();
    let sync = blocking::Client::new(client(&fake)).unwrap();
    assert_eq!(&sync.image_servers().get(&id).unwrap(), server);
    let dev = &expected_dev_images(&fake)[1];
    let got = sync
        .dev_server_images()
        .get(dev.image_id.as_deref().unwrap())
        .unwrap();
    assert_eq!(&got, dev);
    let images = sync.images().list().paginate().page_size(7).collect_all();
    assert_eq!(images.unwrap(), expected_images(&fake));
    drop(sync);
    let requests = fake.requests();
    assert!(
        requests.len() >= 2 + 32_usize.div_ceil(7),
        "{}",
        requests.len()
    );
    requests.iter().for_each(assert_signed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_from_spawn_blocking_work() {
    let fake = start_default().await;
    let sync = blocking::Client::new(client(&fake)).unwrap();
    let (page, servers) = tokio::task::spawn_blocking(move || {
        let page = sync.images().list().limit(5).send();
        let servers = sync.image_servers().list().paginate().collect_all();
        (page, servers)
    })
    .await
    .unwrap();
    assert_eq!(page.unwrap().images.unwrap(), expected_images(&fake)[..5]);
    assert_eq!(servers.unwrap(), expected_servers(&fake));
    assert!(fake.requests().iter().all(|r| r.status == Some(200)));
}

/// A task on a worker thread of an application's runtime calls the blocking client (the fake is
/// served by a runtime of its own, so the blocked worker cannot hold it up).
#[test]
fn calls_from_a_task_on_a_worker_thread_work() {
    let served = serve(FakeConfig::default());
    let sync = served.blocking();
    let app = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let id = served.fake.data().image_servers[7].id.clone();
    let task = app.spawn(async move { sync.image_servers().get(&id) });
    let got = app.block_on(task).unwrap();
    assert_eq!(got.unwrap(), expected_servers(&served.fake)[7]);
    assert_eq!(served.fake.requests().len(), 1);
}

#[test]
fn a_blocking_client_and_its_async_client_can_share_a_connection_pool() {
    let served = serve(FakeConfig::default());
    let r#async = builder(&served.fake)
        .retry(huaweicloud_images::RetryPolicy::disabled())
        .request_timeout(Some(std::time::Duration::from_secs(2)))
        .build()
        .unwrap();
    let sync = blocking::Client::new(r#async.clone()).unwrap();
    // The blocking call leaves an idle connection in the shared pool, driven by the blocking
    // client's runtime; the async call on the other runtime must still get its answer.
    sync.images().list().send().unwrap();
    let answer = served.run(r#async.images().list().send());
    assert!(answer.is_ok(), "{answer:?}");
    assert_eq!(served.fake.requests().len(), 2);
}

/// More items than tokio's per-task budget (128): iterating must not depend on the caller's
/// executor making progress.
fn many() -> FakeConfig {
    FakeConfig {
        image_servers: 300,
        ..FakeConfig::default()
    }
}

#[test]
fn long_iterations_work_from_a_current_thread_runtime() {
    let served = serve(many());
    let sync = served.blocking();
    let expected = served.fake.data().image_servers.len();
    let caller = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let listed = caller.block_on(async {
        sync.image_servers()
            .list()
            .paginate()
            .page_size(10)
            .items()
            .map(|item| item.map(|_| ()))
            .collect::<Result<Vec<_>, Error>>()
            .unwrap()
            .len()
    });
    assert_eq!(listed, expected);
}

#[test]
fn calls_work_inside_another_executor() {
    let served = serve(many());
    let sync = served.blocking();
    let expected = served.fake.data().image_servers.len();
    let listed = futures::executor::block_on(async {
        let page = sync.images().list().limit(3).send().unwrap();
        assert_eq!(page.images.map(|i| i.len()), Some(3));
        sync.image_servers()
            .list()
            .paginate()
            .page_size(7)
            .collect_all()
            .unwrap()
            .len()
    });
    assert_eq!(listed, expected);
}
