//! Another project depends on the facade, and on the fake for its tests, the way the README
//! shows: a git dependency at a revision. Here the git URL is this checkout (`file://`, so it works
//! offline) at `HEAD`; the separate crate builds and its own test calls the fake through the
//! facade.
//!
//! It builds the SDK from git in a crate of its own, so it is slow: `#[ignore]`d for local runs,
//! run by `.ci/run` with `--ignored`. It builds what is committed, not the working tree.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the e2e crate sits in the workspace root")
        .to_path_buf()
}

const LIB: &str = r#"//! A project of its own that lists product images with the SDK.

use huaweicloud_images::{Client, Result};

/// How many Linux images the account has.
pub async fn linux_images(client: &Client) -> Result<usize> {
    let images = client
        .images()
        .list()
        .os_type(huaweicloud_images::models::OsType::Linux)
        .paginate()
        .collect_all()
        .await?;
    Ok(images.len())
}
"#;

const TEST: &str = r#"use huaweicloud_images::{Client, Credentials};
use huaweicloud_images_fake::{FAKE_AK, FAKE_PROJECT_ID, FAKE_SK, FakeConfig, FakeServer};

#[tokio::test]
async fn counts_linux_images_against_the_fake() {
    let fake = FakeServer::start(FakeConfig::default()).await.unwrap();
    let client = Client::builder()
        .credentials(Credentials::ak_sk(FAKE_AK, FAKE_SK).unwrap())
        .project_id(FAKE_PROJECT_ID)
        .endpoint_for_all(fake.base_url())
        .build()
        .unwrap();
    let expected = fake.data().images.iter().filter(|i| i.os_type == "Linux").count();
    assert!(expected > 0);
    assert_eq!(uses_huaweicloud_images::linux_images(&client).await.unwrap(), expected);
    println!("the other project counted {expected} Linux images");
}
"#;

#[test]
#[ignore = "slow: builds the SDK from git in a separate crate; .ci/run runs it with --ignored"]
fn another_project_depends_on_the_facade_and_the_fake_through_git() {
    let root = workspace_root();
    let head = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(&root)
        .output()
        .expect("git runs");
    assert!(head.status.success(), "the workspace is not a git checkout");
    let head = String::from_utf8_lossy(&head.stdout).trim().to_string();
    let url = format!("file://{}", root.display());

    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("git-dependency");
    let project = scratch.join("project");
    let _ = std::fs::remove_dir_all(&project);
    std::fs::create_dir_all(project.join("src")).unwrap();
    std::fs::create_dir_all(project.join("tests")).unwrap();
    let manifest = format!(
        r#"[package]
name = "uses-huaweicloud-images"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
huaweicloud-images = {{ git = "{url}", rev = "{head}" }}

[dev-dependencies]
huaweicloud-images-fake = {{ git = "{url}", rev = "{head}" }}
tokio = {{ version = "1", features = ["macros", "rt-multi-thread"] }}

[workspace]
"#
    );
    std::fs::write(project.join("Cargo.toml"), &manifest).unwrap();
    std::fs::write(project.join("src/lib.rs"), LIB).unwrap();
    std::fs::write(project.join("tests/fake.rs"), TEST).unwrap();
    // The workspace's lock file: the same versions of the registry crates.
    std::fs::copy(root.join("Cargo.lock"), project.join("Cargo.lock")).unwrap();
    println!("{manifest}");

    // Shares the spec-change test's build output (the same registry crates).
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("spec-change/target");
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["test", "--quiet", "--", "--nocapture"])
        .current_dir(&project)
        .env("CARGO_TARGET_DIR", &target)
        .env("CARGO_NET_GIT_FETCH_WITH_CLI", "true")
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs");
    let shown = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    println!("{shown}");
    assert!(
        output.status.success(),
        "the other project failed:\n{shown}"
    );
    assert!(shown.contains("the other project counted"), "{shown}");
}
