use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::*;

/// Endpoints as the official SDK resolves them, written by `make_region_tables.py`.
const FIXTURE: &str = include_str!("../../tests/fixtures/region_endpoints.json");

#[derive(serde::Deserialize)]
struct Fixture {
    sdk_version: String,
    env_service_names: BTreeMap<String, String>,
    endpoints: BTreeMap<String, BTreeMap<String, String>>,
}

fn fixture() -> Fixture {
    serde_json::from_str(FIXTURE).unwrap()
}

fn official(service: Service) -> BTreeMap<String, String> {
    fixture().endpoints.remove(service.name()).unwrap()
}

fn no_env(_: &str) -> Option<String> {
    None
}

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

fn region(id: &str) -> Region {
    Region::new(id).unwrap()
}

fn config_message(err: Error) -> String {
    match err {
        Error::Config(message) => message,
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

#[test]
fn every_table_entry_matches_the_official_sdk() {
    let fixture = fixture();
    assert_eq!(fixture.sdk_version, "3.1.219");
    assert_eq!(fixture.endpoints.len(), Service::ALL.len());
    for &service in Service::ALL {
        let official = official(service);
        let ours: BTreeMap<String, String> = service
            .known_regions()
            .map(|r| {
                (
                    r.as_str().to_owned(),
                    endpoint(service, &r).url().to_owned(),
                )
            })
            .collect();
        assert_eq!(ours, official, "{service}");
        for id in official.keys() {
            assert_eq!(
                endpoint(service, &region(id)).source(),
                &EndpointSource::Table
            );
        }
    }
}

#[test]
fn workspaceapp_uses_appstream_in_five_regions_and_workspace_elsewhere() {
    let official = official(Service::WorkspaceApp);
    let appstream: BTreeSet<&str> = official
        .iter()
        .filter(|(_, url)| url.starts_with("https://appstream."))
        .map(|(id, _)| id.as_str())
        .collect();
    // The split stated in REFERENCE.md, as found in the official table.
    let expected: BTreeSet<&str> = [
        "cn-north-4",
        "cn-north-9",
        "cn-east-3",
        "cn-south-1",
        "cn-southwest-2",
    ]
    .into();
    assert_eq!(appstream, expected);
    for (id, url) in &official {
        let resolved = endpoint(Service::WorkspaceApp, &region(id));
        assert_eq!(resolved.url(), url);
        let host = if expected.contains(id.as_str()) {
            "appstream"
        } else {
            "workspace"
        };
        assert_eq!(
            resolved.url(),
            format!("https://{host}.{id}.myhuaweicloud.com")
        );
    }
    // The same region is served by different hosts for WorkspaceApp and Workspace.
    assert_ne!(
        endpoint(Service::WorkspaceApp, &Region::CN_NORTH_4).url(),
        endpoint(Service::Workspace, &Region::CN_NORTH_4).url()
    );
}

#[test]
fn modelarts_ap_southeast_1_is_the_only_dot_cn_exception() {
    let mut exceptions = Vec::new();
    for &service in Service::ALL {
        for (id, url) in official(service) {
            let pattern = service.endpoint_pattern().replace("{region}", &id);
            if url != pattern && !url.starts_with("https://appstream.") {
                exceptions.push((service, id, url));
            }
        }
    }
    assert_eq!(exceptions.len(), 1, "{exceptions:?}");
    let (service, id, url) = &exceptions[0];
    assert_eq!(
        (*service, id.as_str()),
        (Service::ModelArts, "ap-southeast-1")
    );
    assert!(url.ends_with(".myhuaweicloud.cn"), "{url}");
    let resolved = endpoint(Service::ModelArts, &Region::AP_SOUTHEAST_1);
    assert_eq!(resolved.url(), url);
    assert_eq!(resolved.source(), &EndpointSource::Table);
}

#[test]
fn unknown_region_resolves_by_pattern_for_every_service() {
    let new = region("xx-new-1");
    let expected = [
        (
            Service::WorkspaceApp,
            "https://workspace.xx-new-1.myhuaweicloud.com",
        ),
        (
            Service::Workspace,
            "https://workspace.xx-new-1.myhuaweicloud.com",
        ),
        (
            Service::ModelArts,
            "https://modelarts.xx-new-1.myhuaweicloud.com",
        ),
    ];
    for (service, url) in expected {
        let resolved = resolve_endpoint(service, &new, None, &no_env).unwrap();
        assert_eq!(resolved.url(), url);
        assert_eq!(resolved.source(), &EndpointSource::Pattern);
    }
    // A region missing from one table only (Workspace has eu-west-101) also falls back.
    let eu = region("eu-west-101");
    assert_eq!(
        endpoint(Service::Workspace, &eu).source(),
        &EndpointSource::Table
    );
    let modelarts = endpoint(Service::ModelArts, &eu);
    assert_eq!(modelarts.source(), &EndpointSource::Pattern);
    assert_eq!(
        modelarts.url(),
        "https://modelarts.eu-west-101.myhuaweicloud.com"
    );
}

#[test]
fn override_variable_names_follow_the_official_sdk() {
    let fixture = fixture();
    for &service in Service::ALL {
        assert_eq!(
            fixture.env_service_names[service.name()],
            service.env_name()
        );
    }
    assert_eq!(
        Service::WorkspaceApp.override_variable(&Region::CN_NORTH_4),
        "HUAWEICLOUD_SDK_REGION_WORKSPACEAPP_CN_NORTH_4"
    );
    assert_eq!(
        Service::ModelArts.override_variable(&region("eu-west-101")),
        "HUAWEICLOUD_SDK_REGION_MODELARTS_EU_WEST_101"
    );
}

#[test]
fn environment_override_wins_over_the_table_and_the_pattern() {
    let env = env_of(&[
        (
            "HUAWEICLOUD_SDK_REGION_WORKSPACEAPP_CN_NORTH_4",
            "https://proxy.example:8443/",
        ),
        (
            "HUAWEICLOUD_SDK_REGION_MODELARTS_XX_NEW_1",
            "http://127.0.0.1:9000/prefix/",
        ),
        // Other services and regions are not affected by these.
        (
            "HUAWEICLOUD_SDK_REGION_WORKSPACE_CN_NORTH_1",
            "https://elsewhere.example",
        ),
    ]);
    let app = resolve_endpoint(Service::WorkspaceApp, &Region::CN_NORTH_4, None, &env).unwrap();
    assert_eq!(app.url(), "https://proxy.example:8443");
    assert_eq!(
        app.source(),
        &EndpointSource::Environment("HUAWEICLOUD_SDK_REGION_WORKSPACEAPP_CN_NORTH_4".into())
    );
    let ma = resolve_endpoint(Service::ModelArts, &region("xx-new-1"), None, &env).unwrap();
    assert_eq!(ma.url(), "http://127.0.0.1:9000/prefix");
    let ws = resolve_endpoint(Service::Workspace, &Region::CN_NORTH_4, None, &env).unwrap();
    assert_eq!(ws, endpoint(Service::Workspace, &Region::CN_NORTH_4));
}

#[test]
fn empty_environment_override_counts_as_unset() {
    let env = env_of(&[("HUAWEICLOUD_SDK_REGION_WORKSPACE_CN_EAST_3", "")]);
    let resolved = resolve_endpoint(Service::Workspace, &Region::CN_EAST_3, None, &env).unwrap();
    assert_eq!(resolved.source(), &EndpointSource::Table);
}

#[test]
fn environment_override_may_list_several_urls_and_the_first_is_used() {
    let var = "HUAWEICLOUD_SDK_REGION_WORKSPACE_CN_EAST_3";
    let env = env_of(&[(var, "https://a.example/,https://b.example")]);
    let resolved = resolve_endpoint(Service::Workspace, &Region::CN_EAST_3, None, &env).unwrap();
    assert_eq!(resolved.url(), "https://a.example");
    let env = env_of(&[(var, "https://a.example,ftp://b.example")]);
    let err = resolve_endpoint(Service::Workspace, &Region::CN_EAST_3, None, &env).unwrap_err();
    let message = config_message(err);
    assert!(
        message.contains(var) && message.contains("entry 2 of 2"),
        "{message}"
    );
}

#[test]
fn builder_override_wins_over_the_environment() {
    let var = "HUAWEICLOUD_SDK_REGION_MODELARTS_AP_SOUTHEAST_1";
    let env = env_of(&[(var, "https://from-env.example")]);
    let resolved = resolve_endpoint(
        Service::ModelArts,
        &Region::AP_SOUTHEAST_1,
        Some("https://from-builder.example/"),
        &env,
    )
    .unwrap();
    assert_eq!(resolved.url(), "https://from-builder.example");
    assert_eq!(resolved.source(), &EndpointSource::Override);
    // A bad value in the environment does not matter when the builder overrides.
    let env = env_of(&[(var, "not a url")]);
    let resolved = resolve_endpoint(
        Service::ModelArts,
        &Region::AP_SOUTHEAST_1,
        Some("http://h"),
        &env,
    );
    assert_eq!(resolved.unwrap().url(), "http://h");
}

#[test]
fn bad_override_urls_are_refused_naming_the_variable() {
    let var = "HUAWEICLOUD_SDK_REGION_WORKSPACEAPP_CN_NORTH_4";
    let bad = [
        ("ftp://host.example", "https://"),
        ("host.example", "https://"),
        ("https:host.example", "https://"),
        ("https://", "not a valid URL"),
        ("https://host.example:99999", "not a valid URL"),
        ("https://host.example/?a=1", "query"),
        ("https://host.example/#top", "fragment"),
        ("https://user:hunter2@host.example", "user name or password"),
        (" https://host.example", "whitespace"),
        ("https://host.example/\n", "whitespace"),
    ];
    for (value, reason) in bad {
        let env = env_of(&[(var, value)]);
        let err =
            resolve_endpoint(Service::WorkspaceApp, &Region::CN_NORTH_4, None, &env).unwrap_err();
        let message = config_message(err);
        assert!(message.contains(var), "{value:?}: {message}");
        assert!(message.contains(reason), "{value:?}: {message}");
        assert!(!message.contains("hunter2"), "{message}");

        let err = resolve_endpoint(
            Service::WorkspaceApp,
            &Region::CN_NORTH_4,
            Some(value),
            &no_env,
        )
        .unwrap_err();
        let message = config_message(err);
        assert!(
            message.contains("endpoint override for WorkspaceApp"),
            "{message}"
        );
        assert!(message.contains(reason), "{value:?}: {message}");
    }
    let err =
        resolve_endpoint(Service::Workspace, &Region::CN_NORTH_4, Some(""), &no_env).unwrap_err();
    assert!(config_message(err).contains("empty"));
}

#[test]
fn region_ids_are_validated() {
    for good in ["cn-north-4", "eu-west-101", "xx-new-1", "a", "ru-moscow-1"] {
        assert_eq!(Region::new(good).unwrap().as_str(), good);
        assert_eq!(good.parse::<Region>().unwrap().to_string(), good);
    }
    let long = "a".repeat(64);
    let bad = [
        ("", "empty"),
        ("CN-NORTH-4", "lower-case"),
        ("cn_north_4", "'_'"),
        ("cn-north-4 ", "' '"),
        ("cn.north.4", "'.'"),
        ("cn-north-4/x", "'/'"),
        ("4-cn", "start with a letter"),
        ("-cn", "start with a letter"),
        ("cn-", "empty part"),
        ("cn--north", "empty part"),
        ("cñ-north-1", "'ñ'"),
        (long.as_str(), "at most 63"),
    ];
    for (id, reason) in bad {
        match Region::new(id) {
            Err(Error::InvalidInput { field, reason: got }) => {
                assert_eq!(field, "region");
                assert!(got.contains(reason), "{id:?}: {got}");
            }
            other => panic!("{id:?} was accepted or gave another error: {other:?}"),
        }
    }
    assert!(Region::new(&"a".repeat(63)).is_ok());
}

#[test]
fn known_regions_are_valid_and_match_their_constants() {
    let known: Vec<Region> = Region::known().collect();
    let all_table_ids: BTreeSet<String> = fixture()
        .endpoints
        .values()
        .flat_map(|table| table.keys().cloned())
        .collect();
    let known_ids: BTreeSet<String> = known.iter().map(|r| r.as_str().to_owned()).collect();
    assert_eq!(known_ids, all_table_ids);
    for r in &known {
        assert_eq!(&Region::new(r.as_str()).unwrap(), r);
    }
    assert_eq!(Region::CN_NORTH_4.as_str(), "cn-north-4");
    assert_eq!(Region::EU_WEST_101.as_str(), "eu-west-101");
    assert_eq!(Region::AP_SOUTHEAST_1, region("ap-southeast-1"));
}

#[test]
fn default_region_comes_from_the_environment() {
    assert_eq!(default_region(&no_env).unwrap(), None);
    let empty = env_of(&[("HUAWEICLOUD_SDK_REGION", "")]);
    assert_eq!(default_region(&empty).unwrap(), None);
    let set = env_of(&[("HUAWEICLOUD_SDK_REGION", "la-south-2")]);
    assert_eq!(default_region(&set).unwrap(), Some(Region::LA_SOUTH_2));
    let bad = env_of(&[("HUAWEICLOUD_SDK_REGION", "LA-SOUTH-2")]);
    let message = config_message(default_region(&bad).unwrap_err());
    assert!(message.contains("HUAWEICLOUD_SDK_REGION") && message.contains("lower-case"));
}

#[test]
fn service_names_and_endpoint_display() {
    let names: Vec<String> = Service::ALL.iter().map(ToString::to_string).collect();
    assert_eq!(
        names,
        ["ModelArts", "Workspace", "WorkspaceApp"],
        "spec file order"
    );
    let shown = endpoint(Service::ModelArts, &region("xx-new-1")).to_string();
    assert_eq!(
        shown,
        "https://modelarts.xx-new-1.myhuaweicloud.com (from default host pattern (region not in table))"
    );
}
