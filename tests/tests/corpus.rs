//! Generation is proven to build, and to work, for every operation shape `cargo xtask gen` takes.
//!
//! The corpus (`tests/corpus/spec/`: two small services, `alpha.yaml` with every shape, `beta.yaml`
//! sharing a tag with it and with Workspace) is added to the `spec/` of a scratch copy of the
//! workspace; `cargo xtask gen` must accept it and report it; the facade and the fake generated
//! from it must build without a warning; and the corpus consumer (`tests/corpus/consumer.rs`),
//! built against them, calls every operation through the facade against the fake and checks what
//! went over the wire and what came back.
//!
//! It builds a second copy of the workspace, so it is slow (minutes on a cold target directory):
//! it is `#[ignore]`d for local runs, and `.ci/run` runs it with `--ignored`.

mod scratch;

use std::path::Path;

use scratch::{cargo, copy_tree, run, target_of, workspace_root};

#[test]
#[ignore = "slow: builds a scratch copy of the workspace; .ci/run runs it with --ignored"]
fn every_operation_shape_is_generated_built_and_called() {
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("corpus");
    let workspace = scratch.join("workspace");
    let consumer = scratch.join("consumer");
    let target = target_of("corpus");
    let _ = std::fs::remove_dir_all(&workspace);
    let _ = std::fs::remove_dir_all(&consumer);
    copy_tree(&workspace_root(), &workspace);
    let corpus = workspace_root().join("tests/corpus");
    for file in ["alpha.yaml", "beta.yaml"] {
        std::fs::copy(
            corpus.join("spec").join(file),
            workspace.join("spec").join(file),
        )
        .unwrap();
    }

    let report = run(
        cargo(&workspace, &target).args(["xtask", "gen"]),
        "cargo xtask gen",
    );
    println!("{report}");
    for expected in [
        "+ service Alpha",
        "+ service Beta",
        "+ operation Alpha.CreateThing",
        "+ operation Alpha.UploadThingFile",
        "+ operation Alpha.ListDevServerPublicIP",
    ] {
        assert!(report.contains(expected), "{expected:?} missing:\n{report}");
    }
    // The one change that breaks existing code: Alpha and Beta have an `Images` tag too, so
    // Workspace's `Images` is no longer re-exported at the crate root (`client.images()` and
    // `huaweicloud_images::workspace::Images` stay).
    let breaking: Vec<&str> = report
        .lines()
        .filter(|line| line.contains("BREAKING"))
        .map(str::trim)
        .collect();
    assert_eq!(breaking, ["- export Images  [BREAKING]"], "{report}");
    let facade = std::fs::read_to_string(
        workspace.join("crates/huaweicloud-images/src/generated/surface.json"),
    )
    .unwrap();
    for recorded in [
        "\"body\":\"json CreateThingReq\"",
        "\"body\":\"multipart UploadForm\"",
        "\"response headers\":\"X-Request-Id string, X-Thing-Count integer\"",
        "\"answer\":\"200 download\"",
        "\"retried\":\"only when it cannot have arrived\"",
        "\"retried\":\"after a failure worth it (token X-Client-Token)\"",
        "marker marker (next next_marker)",
        "token continue (next continue)",
        "page page (from 1)",
    ] {
        assert!(
            facade.contains(recorded),
            "{recorded:?} not in surface.json"
        );
    }

    // The generated code builds without a warning (the facade, the fake, the API crate).
    let build = cargo(&workspace, &target)
        .args([
            "clippy",
            "-p",
            "huaweicloud-images",
            "-p",
            "huaweicloud-images-fake",
            "-p",
            "huaweicloud-images-api",
            "--",
            "-D",
            "warnings",
        ])
        .output()
        .unwrap();
    assert!(
        build.status.success(),
        "the generated corpus does not build cleanly:\n{}",
        String::from_utf8_lossy(&build.stderr)
    );

    std::fs::create_dir_all(consumer.join("src")).unwrap();
    std::fs::write(
        consumer.join("Cargo.toml"),
        format!(
            r#"[package]
name = "corpus-consumer"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
huaweicloud-images = {{ path = "{ws}/crates/huaweicloud-images" }}
huaweicloud-images-fake = {{ path = "{ws}/crates/huaweicloud-images-fake" }}
tokio = {{ version = "1", features = ["macros", "rt-multi-thread"] }}
futures = "0.3"
serde_json = "1"

[workspace]
"#,
            ws = workspace.display()
        ),
    )
    .unwrap();
    std::fs::copy(workspace.join("Cargo.lock"), consumer.join("Cargo.lock")).unwrap();
    std::fs::copy(corpus.join("consumer.rs"), consumer.join("src/main.rs")).unwrap();
    let out = run(
        cargo(&consumer, &target).args(["run", "--quiet"]),
        "the corpus consumer",
    );
    println!("{out}");
    assert!(
        out.contains("corpus consumer: every operation shape called through the facade"),
        "{out}"
    );
    assert!(
        out.contains("tokens: 60 creates under 20 % faults → 60 gadgets"),
        "{out}"
    );
}
