use std::collections::HashMap;

use super::*;
use crate::region::EndpointSource;
use crate::{Credentials, Error};

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

fn builder() -> ClientBuilder {
    Client::builder()
        .with_env(env(&[]))
        .credentials(Credentials::ak_sk("AKEXAMPLE", "very-secret-sk").unwrap())
        .project_id("a4da8115c9d8464ead3a38309130523f")
}

#[test]
fn builds_with_defaults_and_resolves_every_service() {
    let client = builder().build().unwrap();
    assert_eq!(client.region().as_str(), "cn-north-4");
    assert_eq!(
        client.endpoint(Service::WorkspaceApp).url(),
        "https://appstream.cn-north-4.myhuaweicloud.com"
    );
    assert_eq!(
        client.endpoint(Service::Workspace).url(),
        "https://workspace.cn-north-4.myhuaweicloud.com"
    );
    assert_eq!(
        client.endpoint(Service::ModelArts).url(),
        "https://modelarts.cn-north-4.myhuaweicloud.com"
    );
}

#[test]
fn unknown_regions_resolve_by_pattern_and_overrides_win() {
    let client = builder()
        .region("xx-new-9")
        .endpoint(Service::ModelArts, "http://127.0.0.1:9/")
        .build()
        .unwrap();
    let workspace = client.endpoint(Service::Workspace);
    assert_eq!(
        workspace.url(),
        "https://workspace.xx-new-9.myhuaweicloud.com"
    );
    assert_eq!(workspace.source(), &EndpointSource::Pattern);
    assert_eq!(
        client.endpoint(Service::ModelArts).url(),
        "http://127.0.0.1:9"
    );
    assert_eq!(
        client.endpoint(Service::ModelArts).source(),
        &EndpointSource::Override
    );
}

#[test]
fn environment_fills_credentials_project_region_and_endpoints() {
    let client = Client::builder()
        .with_env(env(&[
            ("HUAWEICLOUD_SDK_AK", "AKFROMENV"),
            ("HUAWEICLOUD_SDK_SK", "sk-from-env"),
            ("HUAWEICLOUD_SDK_PROJECT_ID", "project-from-env"),
            ("HUAWEICLOUD_SDK_REGION", "ap-southeast-1"),
            (
                "HUAWEICLOUD_SDK_REGION_WORKSPACE_AP_SOUTHEAST_1",
                "http://localhost:8080",
            ),
        ]))
        .load_env()
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(client.project_id(), Some("project-from-env"));
    assert_eq!(client.region().as_str(), "ap-southeast-1");
    assert_eq!(
        client.endpoint(Service::Workspace).url(),
        "http://localhost:8080"
    );
    assert_eq!(
        client.endpoint(Service::ModelArts).url(),
        "https://modelarts.ap-southeast-1.myhuaweicloud.cn"
    );
}

#[test]
fn missing_or_malformed_settings_are_named() {
    let no_credentials = Client::builder().project_id("p").build().unwrap_err();
    assert!(
        no_credentials.to_string().contains("no credentials"),
        "{no_credentials}"
    );
    // Without a project id the client asks IAM at its first call, not at build.
    let no_project = Client::builder()
        .credentials(Credentials::token("tok").unwrap())
        .build()
        .unwrap();
    assert_eq!(no_project.project_id(), None);
    let bad_project = builder().project_id("bad/project").build().unwrap_err();
    assert!(matches!(
        bad_project,
        Error::InvalidInput {
            field: "project_id",
            ..
        }
    ));
    let bad_region = builder().region("CN North").build().unwrap_err();
    assert!(matches!(
        bad_region,
        Error::InvalidInput {
            field: "region",
            ..
        }
    ));
    let bad_endpoint = builder()
        .endpoint(Service::Workspace, "ftp://x")
        .build()
        .unwrap_err();
    assert!(matches!(bad_endpoint, Error::Config(_)), "{bad_endpoint}");
    let bad_agent = builder().user_agent("bad\nagent").build().unwrap_err();
    assert!(matches!(
        bad_agent,
        Error::InvalidInput {
            field: "user_agent",
            ..
        }
    ));
}

#[test]
fn debug_output_never_shows_the_secret_key() {
    let client = builder().build().unwrap();
    let printed = format!("{client:?} {:?}", builder());
    assert!(!printed.contains("very-secret-sk"), "{printed}");
    assert!(printed.contains("a4da8115c9d8464ead3a38309130523f"));
}

#[test]
fn the_project_id_variable_wins_even_with_credentials_from_the_profile_file() {
    let dir = std::env::temp_dir().join(format!("hwc-client-profile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("credentials");
    std::fs::write(&file, "[basic]\nak = AKFILE\nsk = sk-file\n").unwrap();
    let path = file.to_string_lossy().into_owned();
    let client = Client::builder()
        .with_env(env(&[
            ("HUAWEICLOUD_SDK_CREDENTIALS_FILE", path.as_str()),
            ("HUAWEICLOUD_SDK_PROJECT_ID", "proj-from-env"),
        ]))
        .load_env()
        .unwrap()
        .build();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(client.unwrap().project_id(), Some("proj-from-env"));
}

#[test]
fn the_plain_builder_takes_the_region_from_the_environment_unless_set() {
    let from_env = builder()
        .with_env(env(&[("HUAWEICLOUD_SDK_REGION", "cn-east-3")]))
        .build()
        .unwrap();
    assert_eq!(from_env.region().as_str(), "cn-east-3");
    let explicit = builder()
        .with_env(env(&[("HUAWEICLOUD_SDK_REGION", "cn-east-3")]))
        .region("ap-southeast-1")
        .build()
        .unwrap();
    assert_eq!(explicit.region().as_str(), "ap-southeast-1");
}
