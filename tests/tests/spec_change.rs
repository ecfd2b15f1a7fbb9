//! The user's workflow, end to end: edit the spec, run `cargo xtask gen`, review, call the facade.
//!
//! In a scratch copy of the workspace, the spec gains a query parameter on a list operation
//! (`image_type` on ListImageServers), a wider `maximum` (ListImageServers' `limit`: 200), a new
//! paginated operation (ListImageServerGroups) and a whole new service (a spec file of its own,
//! `spec/ims.yaml`, with no region table). Nothing outside `spec/` is edited. Then
//! `cargo xtask gen` must report the three changes, the facade's surface snapshot must show the
//! new parameter to a reviewer, and a small consumer, built against the regenerated facade and fake,
//! must send the new parameter, accept the new bound and refuse one past it before any I/O, and
//! paginate the new operation.
//!
//! It builds a second copy of the workspace, so it is slow (minutes on a cold target directory):
//! it is `#[ignore]`d for local runs, and `.ci/run` runs it with `--ignored`.

mod scratch;

use std::path::Path;

use scratch::{cargo, copy_tree, edit, run, target_of, workspace_root};

/// A new service: its spec file is all it takes.
const NEW_SERVICE: &str = r##"openapi: 3.0.3
info:
  title: Huawei Cloud IMS — cloud images (a scratch service)
  version: v2
  x-service:
    name: Ims
    endpoint: https://ims.{region}.myhuaweicloud.com
tags:
  - name: CloudImages
    description: Cloud images of IMS.
paths:
  /v2/{project_id}/cloud-images/{image_id}:
    get:
      operationId: show_cloud_image
      x-official-name: ShowCloudImage
      x-facade-method: get
      tags: [CloudImages]
      summary: Querying a cloud image
      parameters:
        - name: project_id
          in: path
          required: true
          schema:
            type: string
        - name: image_id
          in: path
          required: true
          schema:
            type: string
            maxLength: 36
      responses:
        "200":
          description: The image.
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/CloudImage"
              examples:
                documented:
                  value:
                    id: img-1
                    name: ubuntu-24.04
                    visibility: public
        "404":
          description: No such image.
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/ImsError"
components:
  schemas:
    CloudImage:
      type: object
      description: A cloud image.
      properties:
        id:
          type: string
          description: Image id.
        name:
          type: string
          description: Image name.
        visibility:
          description: Who sees it.
          allOf:
            - $ref: "#/components/schemas/Visibility"
    Visibility:
      type: string
      description: Who sees an image.
      enum: [public, private]
    ImsError:
      type: object
      description: Error body of IMS.
      properties:
        error_code:
          type: string
          description: Error code.
        error_msg:
          type: string
          description: Error message.
"##;

/// The spec changes: three in `spec/workspaceapp.yaml`, and a new service file.
fn change_the_spec(spec: &Path) {
    std::fs::write(spec.with_file_name("ims.yaml"), NEW_SERVICE).unwrap();
    // 1. A new query parameter on a list operation.
    edit(
        spec,
        "          description: Enterprise project ID. (If this parameter is left blank or set to 0, the default enterprise project is used.)\n          schema:\n            type: string\n",
        "          description: Enterprise project ID. (If this parameter is left blank or set to 0, the default enterprise project is used.)\n          schema:\n            type: string\n        - name: image_type\n          in: query\n          required: false\n          description: Image source type of the instances to list.\n          schema:\n            $ref: \"#/components/schemas/ImageSourceType\"\n",
    );
    // 2. A wider maximum.
    edit(
        spec,
        "            minimum: 1\n            maximum: 100\n            default: 10\n",
        "            minimum: 1\n            maximum: 200\n            default: 10\n",
    );
    // 3. A new paginated operation, its resource and its models.
    edit(
        spec,
        "tags:\n  - name: ImageServers\n",
        "tags:\n  - name: ImageServerGroups\n    description: Groups of image servers.\n  - name: ImageServers\n",
    );
    edit(
        spec,
        "paths:\n",
        r##"paths:
  /v1/{project_id}/image-server-groups:
    get:
      operationId: list_image_server_groups
      x-official-name: ListImageServerGroups
      x-facade-method: list
      x-pagination:
        style: offset-limit
        offset: offset
        limit: limit
        items: items
        total: count
        item-id: id
      tags: [ImageServerGroups]
      summary: Querying image server groups
      description: Queries image server groups.
      parameters:
        - $ref: "#/components/parameters/ProjectId"
        - name: offset
          in: query
          required: false
          description: Query offset.
          schema:
            type: integer
            format: int32
            minimum: 0
            default: 0
        - name: limit
          in: query
          required: false
          description: Number of records to be queried, 1 to 50.
          schema:
            type: integer
            format: int32
            minimum: 1
            maximum: 50
            default: 10
      responses:
        "200":
          description: The groups.
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/ListImageServerGroupsResponse"
              examples:
                documented:
                  value:
                    count: 3
                    items:
                      - id: group-1
                        name: first
                      - id: group-2
                        name: second
                      - id: group-3
                        name: third
        "400":
          $ref: "#/components/responses/BadRequest"
"##,
    );
    edit(
        spec,
        "  schemas:\n",
        r##"  schemas:
    ListImageServerGroupsResponse:
      type: object
      description: Response body of ListImageServerGroups.
      properties:
        count:
          type: integer
          format: int32
          description: Total.
        items:
          type: array
          nullable: true
          description: The groups of this page.
          items:
            $ref: "#/components/schemas/ImageServerGroup"
    ImageServerGroup:
      type: object
      description: A group of image servers.
      properties:
        id:
          type: string
          description: Group id.
        name:
          type: string
          description: Group name.
"##,
    );
}

const CONSUMER: &str = r##"
use huaweicloud_images::models::ImageSourceType;
use huaweicloud_images::{Client, Credentials, Error, RetryPolicy};
use huaweicloud_images_fake::{FAKE_AK, FAKE_PROJECT_ID, FAKE_SK, FakeConfig, FakeServer, Operation};

#[tokio::main]
async fn main() {
    let fake = FakeServer::start(FakeConfig::default()).await.unwrap();
    let client = Client::builder()
        .credentials(Credentials::ak_sk(FAKE_AK, FAKE_SK).unwrap())
        .project_id(FAKE_PROJECT_ID)
        .endpoint_for_all(fake.base_url())
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();

    // The new parameter is on the wire, and the new bound is accepted (by the facade and the fake).
    let page = client
        .image_servers()
        .list()
        .image_type(ImageSourceType::Gold)
        .limit(200)
        .send()
        .await
        .unwrap();
    assert!(page.items.is_some());
    let sent = fake.requests().pop().unwrap();
    let query = sent.query.unwrap_or_default();
    assert!(query.split('&').any(|p| p == "image_type=gold"), "{query}");
    assert!(query.split('&').any(|p| p == "limit=200"), "{query}");
    assert_eq!(sent.status, Some(200));
    println!("new parameter sent: {query}");

    // One past the new bound is refused before any I/O, naming the parameter.
    fake.clear_requests();
    match client.image_servers().list().limit(201).send().await {
        Err(Error::InvalidInput { field: "limit", reason }) => println!("limit 201 refused: {reason}"),
        other => panic!("limit 201 was not refused: {other:?}"),
    }
    let listing = client.image_servers().list().paginate().page_size(201);
    assert!(matches!(
        listing.collect_all().await,
        Err(Error::InvalidInput { field: "page_size", .. })
    ));
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());

    // The new operation paginates, async and blocking, against the fake's documented example.
    let groups = client
        .image_server_groups()
        .list()
        .paginate()
        .page_size(1)
        .collect_all()
        .await
        .unwrap();
    let ids: Vec<_> = groups.iter().map(|g| g.id.clone().unwrap()).collect();
    assert_eq!(ids, ["group-1", "group-2", "group-3"]);
    let mut offsets: Vec<_> = fake
        .requests()
        .iter()
        .filter(|r| r.operation == Some(Operation::ListImageServerGroups))
        .map(|r| r.query.clone().unwrap_or_default())
        .collect();
    offsets.sort(); // pages after the first are requested concurrently
    assert_eq!(offsets, ["limit=1&offset=0", "limit=1&offset=1", "limit=1&offset=2"]);
    let over = client.image_server_groups().list().limit(51).send().await;
    assert!(matches!(over, Err(Error::InvalidInput { field: "limit", .. })), "{over:?}");

    let blocking_names = tokio::task::spawn_blocking(move || {
        let blocking = huaweicloud_images::blocking::Client::new(client).unwrap();
        blocking
            .image_server_groups()
            .list()
            .paginate()
            .page_size(2)
            .items()
            .map(|g| g.unwrap().name.unwrap())
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    assert_eq!(blocking_names, ["first", "second", "third"]);

    // The new service: its resource, its endpoint pattern, its model, its id constraint.
    let client = Client::builder()
        .credentials(Credentials::ak_sk(FAKE_AK, FAKE_SK).unwrap())
        .project_id(FAKE_PROJECT_ID)
        .endpoint_for_all(fake.base_url())
        .build()
        .unwrap();
    let image = client.cloud_images().get("img-1").await.unwrap();
    assert_eq!(image.name.as_deref(), Some("ubuntu-24.04"));
    assert_eq!(image.visibility, Some(huaweicloud_images::models::Visibility::Public));
    let too_long = client.cloud_images().get(&"x".repeat(37)).await;
    assert!(matches!(too_long, Err(Error::InvalidInput { field: "image_id", .. })), "{too_long:?}");
    let unknown_region = Client::builder()
        .credentials(Credentials::ak_sk(FAKE_AK, FAKE_SK).unwrap())
        .project_id(FAKE_PROJECT_ID)
        .region("xx-new-1")
        .build()
        .unwrap();
    assert_eq!(
        unknown_region.endpoint(huaweicloud_images::Service::Ims).url(),
        "https://ims.xx-new-1.myhuaweicloud.com"
    );
    println!("consumer: all four spec changes reached the facade");
}
"##;

#[test]
#[ignore = "slow: builds a scratch copy of the workspace; .ci/run runs it with --ignored"]
fn a_spec_change_reaches_the_users_of_the_facade() {
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("spec-change");
    let workspace = scratch.join("workspace");
    let consumer = scratch.join("consumer");
    // Build output is kept between runs (the copies are made afresh).
    let target = target_of("spec-change");
    let _ = std::fs::remove_dir_all(&workspace);
    let _ = std::fs::remove_dir_all(&consumer);
    copy_tree(&workspace_root(), &workspace);
    change_the_spec(&workspace.join("spec/workspaceapp.yaml"));

    // `cargo xtask gen` regenerates and says what users will notice.
    let report = run(
        cargo(&workspace, &target).args(["xtask", "gen"]),
        "cargo xtask gen",
    );
    println!("{report}");
    for expected in [
        "+ operation WorkspaceApp.ListImageServerGroups",
        "+ parameter WorkspaceApp.ListImageServers.image_type",
        "~ parameter WorkspaceApp.ListImageServers.limit: maximum 100 -> 200",
        "+ service Ims",
        "+ operation Ims.ShowCloudImage",
    ] {
        assert!(report.contains(expected), "{expected:?} missing:\n{report}");
    }
    assert!(!report.contains("BREAKING"), "{report}");
    assert!(
        workspace
            .join("crates/huaweicloud-images-api/src/generated/ims.rs")
            .exists()
    );
    run(
        cargo(&workspace, &target).args(["xtask", "gen", "--check"]),
        "cargo xtask gen --check",
    );

    // A reviewer sees the new parameter in the facade's surface snapshot diff.
    let review = cargo(&workspace, &target)
        .args(["test", "-p", "huaweicloud-images", "--test", "surface"])
        .output()
        .unwrap();
    let shown = format!(
        "{}{}",
        String::from_utf8_lossy(&review.stdout),
        String::from_utf8_lossy(&review.stderr)
    );
    assert!(
        !review.status.success(),
        "the old snapshot still passed:\n{shown}"
    );
    for expected in [
        "image_type(mut self",
        "image_server_groups(&self)",
        "cloud_images(&self)",
    ] {
        assert!(
            shown.contains(expected),
            "{expected:?} not in the diff:\n{shown}"
        );
    }

    // A consumer of the facade (and of the fake, for its tests) uses all three changes.
    std::fs::create_dir_all(consumer.join("src")).unwrap();
    std::fs::write(
        consumer.join("Cargo.toml"),
        format!(
            r#"[package]
name = "spec-change-consumer"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
huaweicloud-images = {{ path = "{ws}/crates/huaweicloud-images" }}
huaweicloud-images-fake = {{ path = "{ws}/crates/huaweicloud-images-fake" }}
tokio = {{ version = "1", features = ["macros", "rt-multi-thread"] }}

[workspace]
"#,
            ws = workspace.display()
        ),
    )
    .unwrap();
    // The workspace's lock file, so the consumer builds with the same dependency versions.
    std::fs::copy(workspace.join("Cargo.lock"), consumer.join("Cargo.lock")).unwrap();
    std::fs::write(consumer.join("src/main.rs"), CONSUMER).unwrap();
    let out = run(
        cargo(&consumer, &target).args(["run", "--quiet"]),
        "the consumer",
    );
    println!("{out}");
    assert!(
        out.contains("consumer: all four spec changes reached the facade"),
        "{out}"
    );
}
