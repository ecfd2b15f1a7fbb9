//! A consumer that picks one service with cargo features compiles only that service: a call of
//! another service does not compile (the `compile_fail` proof of the feature per service), its
//! own does, and the fake built for the same service serves it. Also prints how many crates such a
//! consumer's tree has, with every service and with one.
//!
//! Slow (it builds a separate crate against this checkout): `#[ignore]`d for local runs, run by
//! `.ci/run` with `--ignored`.

mod scratch;

use std::path::Path;

use scratch::{cargo, run, target_of, workspace_root};

/// The consumer's manifest, depending on the facade (and the fake) with `features`.
fn manifest(features: &str) -> String {
    format!(
        r#"[package]
name = "one-service-consumer"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
huaweicloud-images = {{ path = "{ws}/crates/huaweicloud-images", default-features = false, features = [{features}] }}
huaweicloud-images-fake = {{ path = "{ws}/crates/huaweicloud-images-fake", default-features = false, features = ["modelarts"] }}
tokio = {{ version = "1", features = ["macros", "rt-multi-thread"] }}

[workspace]
"#,
        ws = workspace_root().display()
    )
}

/// ModelArts only: its call, against the fake built with ModelArts only.
const OWN_SERVICE: &str = r#"use huaweicloud_images::{Client, Credentials, Service};
use huaweicloud_images_fake::{FAKE_AK, FAKE_PROJECT_ID, FAKE_SK, FakeConfig, FakeServer};

#[tokio::main]
async fn main() {
    assert_eq!(Service::ALL, [Service::ModelArts]);
    assert_eq!(huaweicloud_images::OPERATIONS.len(), 1);
    let fake = FakeServer::start(FakeConfig::default()).await.unwrap();
    let client = Client::builder()
        .credentials(Credentials::ak_sk(FAKE_AK, FAKE_SK).unwrap())
        .project_id(FAKE_PROJECT_ID)
        .endpoint_for_all(fake.base_url())
        .build()
        .unwrap();
    let id = fake.data().dev_server_images[0].image_id.clone();
    let image = client.dev_server_images().get(&id).await.unwrap();
    assert_eq!(image.image_id.as_deref(), Some(id.as_str()));
    println!("one service: ModelArts called, {} operation compiled in", huaweicloud_images::OPERATIONS.len());
}
"#;

/// ModelArts only, naming a WorkspaceApp call: must not compile.
const OTHER_SERVICE: &str = r#"use huaweicloud_images::Client;

pub async fn list(client: &Client) {
    let _ = client.image_servers().list().send().await;
}

fn main() {}
"#;

fn write_consumer(dir: &Path, features: &str, main: &str) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("Cargo.toml"), manifest(features)).unwrap();
    std::fs::copy(workspace_root().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    std::fs::write(dir.join("src/main.rs"), main).unwrap();
}

fn crates_in_tree(dir: &Path, target: &Path) -> usize {
    let tree = run(
        cargo(dir, target).args([
            "tree",
            "-p",
            "huaweicloud-images",
            "-e",
            "normal",
            "--prefix",
            "none",
        ]),
        "cargo tree",
    );
    let mut names: Vec<&str> = tree.lines().filter_map(|l| l.split(' ').next()).collect();
    names.sort_unstable();
    names.dedup();
    names.len()
}

#[test]
#[ignore = "slow: builds a separate crate; .ci/run runs it with --ignored"]
fn a_consumer_of_one_service_compiles_that_service_only() {
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("service-features");
    let target = target_of("service-features");
    let consumer = scratch.join("consumer");

    write_consumer(&consumer, r#""rustls", "modelarts""#, OTHER_SERVICE);
    let refused = cargo(&consumer, &target).arg("check").output().unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success(),
        "another service's call compiled:\n{stderr}"
    );
    assert!(
        stderr.contains("image_servers") && stderr.contains("E0599"),
        "it must fail for the missing call, not something else:\n{stderr}"
    );
    let one = crates_in_tree(&consumer, &target);

    write_consumer(&consumer, r#""rustls", "modelarts""#, OWN_SERVICE);
    let out = run(
        cargo(&consumer, &target).args(["run", "--quiet"]),
        "the one-service consumer",
    );
    assert!(
        out.contains("one service: ModelArts called, 1 operation compiled in"),
        "{out}"
    );

    write_consumer(&consumer, r#""rustls", "all-services""#, "fn main() {}");
    let all = crates_in_tree(&consumer, &target);
    println!("crates in the facade's tree: {all} with every service, {one} with one");
    assert!(one <= all);
}
