//! A tour of the SDK: the four operations, pagination, an open enum, an error and a retry; then an
//! image server's life: created, built, renamed, deleted, and a create whose answer was lost.
//!
//! ```text
//! cargo run --example tour
//! ```
//! runs offline: it starts the fake services in-process and calls them through the SDK.
//!
//! With `HUAWEICLOUD_SDK_AK`, `HUAWEICLOUD_SDK_SK` and `HUAWEICLOUD_SDK_PROJECT_ID` set (and
//! optionally `HUAWEICLOUD_SDK_REGION`, default `cn-north-4`, and the endpoint override variables
//! `HUAWEICLOUD_SDK_REGION_<SERVICE>_<REGION>`), it calls the real services instead, read-only:
//! ```text
//! cargo run --example tour -- [SERVER_ID] [MODELARTS_IMAGE_ID]
//! ```
//! lists image servers and product images, shows the image server `SERVER_ID` (or the first one
//! listed), and shows the ModelArts image `MODELARTS_IMAGE_ID` when one is given.
//!
//! It writes to the real services only when `HUAWEICLOUD_TOUR_WRITES=1` and
//! `HUAWEICLOUD_TOUR_CREATE_BODY` names a JSON file holding a `CreateImageServerReq` (the flavor,
//! network and image of your account): then it creates that image server, waits for it to be
//! built, renames it and deletes it (billed by the minute while it exists).

use std::error::Error as StdError;
use std::fmt::Display;

use futures::TryStreamExt;
use std::time::Duration;

use huaweicloud_images::models::{
    BatchDeleteImageServerReq, CreateImageServerReq, DevServerImage, ImageInfo, ImageJobStatus,
    ImageServer, OsType, SortField, SortType, UpdateImageServerReq,
};
use huaweicloud_images::{Client, Credentials, Error};
use huaweicloud_images_fake::{
    FAKE_AK, FAKE_PROJECT_ID, FAKE_SK, FakeConfig, FakeServer, Fault, FaultScope, Operation,
};

type TourResult<T = ()> = Result<T, Box<dyn StdError>>;

/// Widest a table cell is printed; longer values are cut with `…`.
const MAX_CELL: usize = 44;

#[tokio::main]
async fn main() -> TourResult {
    if std::env::var_os("HUAWEICLOUD_SDK_AK").is_some() {
        let args: Vec<String> = std::env::args().skip(1).collect();
        real_services(args.first().cloned(), args.get(1).cloned()).await
    } else {
        offline().await
    }
}

// ---------------------------------------------------------------------------------------------
// Offline: the fake services, in-process.
// ---------------------------------------------------------------------------------------------

async fn offline() -> TourResult {
    let config = FakeConfig {
        include_unknown_enum_values: true,
        // A created image server moves on every 200 ms here (minutes on the real service).
        lifecycle_step: Duration::from_millis(200),
        ..FakeConfig::default()
    };
    let fake = FakeServer::start(config).await?;
    let client = Client::builder()
        .credentials(Credentials::ak_sk(FAKE_AK, FAKE_SK)?)
        .project_id(FAKE_PROJECT_ID)
        .endpoint_for_all(fake.base_url())
        .build()?;
    println!(
        "Offline tour: fake Huawei Cloud services at {}",
        fake.base_url()
    );
    println!("(set HUAWEICLOUD_SDK_AK, _SK and _PROJECT_ID to call the real services)");

    list_all_servers(&client).await?;
    println!("  requests sent: {}", fake.requests().len());
    filter_servers(&client, "test_instance").await?;
    show_server(&client, "697612196993040384").await?;
    newest_linux_images(&client).await?;
    let dev_image_id = fake.data().dev_server_images[0].image_id.clone();
    show_dev_server_image(&client, &dev_image_id).await?;
    unknown_id_error(&client).await;
    retried_503(&client, &fake).await?;
    let body = CreateImageServerReq::builder()
        .name(Some("tour-server".parse()?))
        .flavor_id(Some("workspace.appstream.general.xlarge.2".to_owned()))
        .vpc_id(Some("vpc-tour".to_owned()))
        .subnet_id(Some("subnet-tour".to_owned()));
    lifecycle(&client, body.try_into()?, Duration::from_millis(100)).await?;
    lost_answer(&client, &fake).await?;
    fake.shutdown().await;
    Ok(())
}

/// A create the fake applies, then answers 500: not sent again, and the error says so.
async fn lost_answer(client: &Client, fake: &FakeServer) -> TourResult {
    section("A write whose answer was lost: CreateImageServer applied, then answered 500");
    fake.clear_requests();
    fake.inject(
        Fault::InternalServerErrorAfterApply,
        FaultScope::Next(1),
        Some(Operation::CreateImageServer),
    );
    let body = CreateImageServerReq::builder().name(Some("tour-lost".parse()?));
    match client.image_servers().create(body).send().await {
        Ok(job) => println!("  unexpectedly answered: job {}", show(job.job_id.as_ref())),
        Err(error) => {
            println!("  error: {error}");
            println!("  may have been applied: {}", error.may_have_been_applied());
        }
    }
    println!(
        "  requests sent: {} (a POST is not sent again once it may have arrived)",
        fake.requests().len()
    );
    let found = client
        .image_servers()
        .list()
        .server_name("tour-lost")
        .send()
        .await?;
    println!(
        "  image servers named tour-lost: {} (look before creating again)",
        show(found.count)
    );
    Ok(())
}

/// Shows how a 404 comes back: status, service error code and request id.
async fn unknown_id_error(client: &Client) {
    section("An error: ShowImageServer of an unknown id");
    match client.image_servers().get("no-such-server").await {
        Ok(server) => println!("  unexpectedly found {:?}", server.id),
        Err(error) => describe_error(&error),
    }
}

/// One injected 503, retried by the default policy.
async fn retried_503(client: &Client, fake: &FakeServer) -> TourResult {
    section("A retry: ListImages answered 503 once");
    fake.clear_requests();
    fake.inject(
        Fault::ServiceUnavailable,
        FaultScope::Next(1),
        Some(Operation::ListImages),
    );
    let page = client.images().list().limit(1).send().await?;
    let statuses: Vec<String> = fake
        .requests()
        .iter()
        .map(|r| r.status.map_or("none".to_owned(), |s| s.to_string()))
        .collect();
    println!("  statuses the fake sent: {}", statuses.join(", "));
    println!(
        "  the call succeeded after {} attempts: total_count = {}",
        statuses.len(),
        show(page.total_count)
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Online: the real services, read-only.
// ---------------------------------------------------------------------------------------------

async fn real_services(server_id: Option<String>, dev_image_id: Option<String>) -> TourResult {
    let client = Client::from_env()?;
    println!(
        "Calling the real services in {} (project {})",
        client.region(),
        client.project_id().unwrap_or("from IAM at the first call")
    );
    for &service in huaweicloud_images::Service::ALL {
        println!("  {service}: {}", client.endpoint(service));
    }
    let servers = list_all_servers(&client).await?;
    let images = client.images().list().paginate().collect_all().await?;
    section(&format!("Product images ({})", images.len()));
    print_images(&images);

    let server_id = server_id.or_else(|| servers.first().and_then(|s| s.id.clone()));
    match server_id {
        Some(id) => show_server(&client, &id).await?,
        None => println!("\nNo image server to show (pass an id as the first argument)."),
    }
    match dev_image_id {
        Some(id) => show_dev_server_image(&client, &id).await?,
        None => println!("No ModelArts image to show (pass an id as the second argument)."),
    }
    let writes = std::env::var("HUAWEICLOUD_TOUR_WRITES").is_ok_and(|v| v == "1");
    match std::env::var_os("HUAWEICLOUD_TOUR_CREATE_BODY") {
        Some(path) if writes => {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("{}: {e}", path.to_string_lossy()))?;
            let body: CreateImageServerReq = serde_json::from_str(&text).map_err(|e| {
                format!(
                    "{}: not a CreateImageServerReq: {e}",
                    path.to_string_lossy()
                )
            })?;
            lifecycle(&client, body, Duration::from_secs(10)).await?;
        }
        _ => println!(
            "Nothing created (HUAWEICLOUD_TOUR_WRITES=1 and HUAWEICLOUD_TOUR_CREATE_BODY=<file> create, build, rename and delete an image server)."
        ),
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The calls, shared by both modes.
// ---------------------------------------------------------------------------------------------

/// Every image server, ten per request, up to four requests in flight.
async fn list_all_servers(client: &Client) -> TourResult<Vec<ImageServer>> {
    section("ListImageServers: every page (page size 10, 4 pages in flight)");
    let mut pages = client
        .image_servers()
        .list()
        .paginate()
        .page_size(10)
        .concurrency(4)
        .pages();
    let mut servers = Vec::new();
    while let Some(page) = pages.try_next().await? {
        println!(
            "  page at offset {:>3}: {:>2} servers (reported total {})",
            page.offset,
            page.items.len(),
            show(page.total)
        );
        servers.extend(page.items);
    }
    println!();
    print_servers(&servers);
    Ok(servers)
}

async fn filter_servers(client: &Client, name: &str) -> TourResult {
    section(&format!("ListImageServers with server_name = {name:?}"));
    let page = client
        .image_servers()
        .list()
        .server_name(name)
        .send()
        .await?;
    println!("  count = {}", show(page.count));
    print_servers(&page.items.unwrap_or_default());
    Ok(())
}

async fn show_server(client: &Client, id: &str) -> TourResult {
    section(&format!("ShowImageServer {id}"));
    let server = client.image_servers().get(id).await?;
    let image_ref = server.image_ref.clone().unwrap_or_default();
    let accounts: Vec<String> = server
        .authorize_accounts
        .iter()
        .flatten()
        .map(|a| {
            format!(
                "{} ({})",
                show(a.account.as_ref()),
                show(a.account_type.as_ref())
            )
        })
        .collect();
    print_fields(&[
        ("id", show(server.id.as_ref())),
        ("name", show(server.name.as_ref())),
        (
            "status",
            enum_text(server.status.as_ref(), |s| s.is_known()),
        ),
        ("description", show(server.description.as_ref())),
        ("image source", show(image_ref.id.as_ref())),
        ("image source type", show(image_ref.image_type.as_ref())),
        ("authorized", accounts.join(", ")),
        ("created", show(server.create_time.as_ref())),
        (
            "enterprise project",
            show(server.enterprise_project_id.as_ref()),
        ),
    ]);
    Ok(())
}

async fn newest_linux_images(client: &Client) -> TourResult {
    section("ListImages: os_type = Linux, newest first (sort created_at desc)");
    let images = client
        .images()
        .list()
        .os_type(OsType::Linux)
        .sort(SortField::CreatedAt, SortType::Desc)
        .paginate()
        .collect_all()
        .await?;
    print_images(&images);
    Ok(())
}

async fn show_dev_server_image(client: &Client, id: &str) -> TourResult {
    section(&format!("GetDevServerImage {id}"));
    let image: DevServerImage = client.dev_server_images().get(id).await?;
    print_fields(&[
        ("image_id", show(image.image_id.as_ref())),
        ("name", show(image.name.as_ref())),
        ("arch", show(image.arch.as_ref())),
        ("server_type", show(image.server_type.as_ref())),
        ("status", show(image.status.as_ref())),
    ]);
    Ok(())
}

/// An image server's life: created (a job), built, renamed, deleted.
async fn lifecycle(client: &Client, body: CreateImageServerReq, interval: Duration) -> TourResult {
    let name = body
        .name
        .as_ref()
        .map(|n| n.to_string())
        .ok_or("the create body needs a name")?;
    section(&format!("CreateImageServer {name}, then its job"));
    let job = client.image_servers().create(body).send().await?;
    let job_id = job.job_id.ok_or("the create answered no job_id")?;
    println!("  job {job_id}");
    let done = client
        .image_server_jobs()
        .wait_until(&job_id)
        .interval(interval)
        .on_poll(|poll| println!("  job {} after {:?}", show(poll.status), poll.elapsed))
        .wait()
        .await?;
    if done.status != Some(ImageJobStatus::Success) {
        return Err(format!("the job ended {}", show(done.status.as_ref())).into());
    }
    let listed = client
        .image_servers()
        .list()
        .server_name(name.as_str())
        .send()
        .await?;
    let id = listed
        .items
        .unwrap_or_default()
        .into_iter()
        .find(|s| s.name.as_deref() == Some(name.as_str()))
        .and_then(|s| s.id)
        .ok_or("the created image server is not listed")?;

    section(&format!("Waiting for {id} to be built"));
    let built = client
        .image_servers()
        .wait_until(&id)
        .interval(interval)
        .on_poll(|poll| println!("  {} after {:?}", show(poll.status), poll.elapsed))
        .wait()
        .await?;
    println!("  built: {}", show(built.status.as_ref()));

    section("UpdateImageServer: a new name");
    let renamed = format!("{name}-renamed");
    client
        .image_servers()
        .update(
            &id,
            UpdateImageServerReq::builder().name(Some(renamed.parse()?)),
        )
        .await?;
    let server = client.image_servers().get(&id).await?;
    println!("  now called {}", show(server.name.as_ref()));

    section("BatchDeleteImageServer, then waiting until it is gone");
    client
        .image_servers()
        .batch_delete(BatchDeleteImageServerReq::builder().items(vec![id.clone()]))
        .await?;
    client
        .image_servers()
        .wait_until_deleted(&id)
        .interval(interval)
        .on_poll(|poll| {
            let state = if poll.gone {
                "gone".to_owned()
            } else {
                show(poll.status)
            };
            println!("  {state} after {:?}", poll.elapsed);
        })
        .wait()
        .await?;
    println!("  deleted");
    Ok(())
}

fn describe_error(error: &Error) {
    println!("  error: {error}");
    if let Some(api) = error.as_api() {
        print_fields(&[
            ("status", api.status.to_string()),
            ("error_code", show(api.error_code.as_ref())),
            ("request id", show(api.request_id.as_ref())),
            ("retryable", error.is_retryable().to_string()),
        ]);
    }
}

// ---------------------------------------------------------------------------------------------
// Printing.
// ---------------------------------------------------------------------------------------------

fn print_servers(servers: &[ImageServer]) {
    let rows = servers
        .iter()
        .map(|s| {
            vec![
                show(s.id.as_ref()),
                show(s.name.as_ref()),
                enum_text(s.status.as_ref(), |v| v.is_known()),
                show(s.create_time.as_ref()),
            ]
        })
        .collect::<Vec<_>>();
    print_table(&["ID", "NAME", "STATUS", "CREATED"], &rows);
}

fn print_images(images: &[ImageInfo]) {
    let rows = images
        .iter()
        .map(|i| {
            vec![
                show(i.name.as_ref()),
                enum_text(i.os_type.as_ref(), |v| v.is_known()),
                show(i.os_version.as_ref()),
                enum_text(i.architecture.as_ref(), |v| v.is_known()),
                show(i.created_at.as_ref()),
            ]
        })
        .collect::<Vec<_>>();
    print_table(&["NAME", "OS", "OS VERSION", "ARCH", "CREATED"], &rows);
}

fn section(title: &str) {
    println!("\n== {title}");
}

/// A value, or `-` when the service did not send it.
fn show(value: Option<impl Display>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

/// An open enum's value, marked when this SDK version does not know it.
fn enum_text<T: Display>(value: Option<&T>, is_known: impl Fn(&T) -> bool) -> String {
    match value {
        Some(v) if is_known(v) => v.to_string(),
        Some(v) => format!("{v} (unknown value, kept)"),
        None => "-".to_owned(),
    }
}

fn print_fields(fields: &[(&str, String)]) {
    let width = fields.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (key, value) in fields {
        println!("  {key:<width$}  {value}");
    }
}

/// Columns as wide as their widest cell (at most [`MAX_CELL`] characters).
fn print_table(headers: &[&str], rows: &[Vec<String>]) {
    if rows.is_empty() {
        println!("  (none)");
        return;
    }
    let cut: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| clip(c)).collect())
        .collect();
    let widths: Vec<usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            cut.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .chain([h.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let padded: Vec<String> = cells
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        println!("  {}", padded.join("  ").trim_end());
    };
    line(&mut headers.iter().copied());
    line(
        &mut widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str),
    );
    for row in &cut {
        line(&mut row.iter().map(String::as_str));
    }
}

fn clip(cell: &str) -> String {
    if cell.chars().count() <= MAX_CELL {
        cell.to_owned()
    } else {
        let mut cut: String = cell.chars().take(MAX_CELL - 1).collect();
        cut.push('…');
        cut
    }
}
