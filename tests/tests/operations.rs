//! Every operation and every documented parameter, checked against what the fake received and
//! the data it holds.

mod common;

use common::*;
use huaweicloud_images::models::{
    AccountType, Architecture, DevServerImageArch, DevServerImageStatus, DevServerType, DiskFormat,
    ImageServerStatus, ImageSourceType, OsType, ProductImageType, SortField, SortType,
};
use huaweicloud_images::region::EndpointSource;
use huaweicloud_images::{ListImages, Service};
use huaweicloud_images_fake::shapes::ImageInfo as FakeImage;
use huaweicloud_images_fake::{FakeConfig, Operation};
use percent_encoding::percent_decode_str;

#[tokio::test]
async fn list_image_servers_without_parameters_returns_the_first_page() {
    let fake = start_default().await;
    let page = client(&fake).image_servers().list().send().await.unwrap();

    let expected = expected_servers(&fake);
    assert_eq!(expected.len(), 28, "3 document examples + 25 generated");
    assert_eq!(page.count, Some(28));
    assert_eq!(
        page.items.unwrap(),
        expected[..10],
        "the documented default limit is 10"
    );

    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.path, format!("/v1/{PROJECT}/image-servers"));
    assert_eq!(request.query, None);
    assert_eq!(request.operation, Some(Operation::ListImageServers));
    assert_eq!(request.status, Some(200));
    assert_signed(request);
}

#[tokio::test]
async fn list_image_servers_sends_every_documented_parameter() {
    let fake = start_default().await;
    let client = client(&fake);
    let data = &fake.data().image_servers;
    let expected = expected_servers(&fake);

    // server_name (partial match), enterprise_project_id "0" (the default project: "0" or ""),
    // offset and limit together.
    let page = client
        .image_servers()
        .list()
        .server_name("image-server-0")
        .enterprise_project_id("0")
        .offset(2)
        .limit(3)
        .send()
        .await
        .unwrap();
    let matching: Vec<_> = data
        .iter()
        .zip(&expected)
        .filter(|(s, _)| s.name.contains("image-server-0"))
        .filter(|(s, _)| s.enterprise_project_id == "0" || s.enterprise_project_id.is_empty())
        .map(|(_, e)| e.clone())
        .collect();
    assert!(
        matching.len() > 5,
        "the filter must leave something to page through"
    );
    assert_eq!(page.count, Some(matching.len() as i32));
    assert_eq!(page.items.unwrap(), matching[2..5]);

    // server_id, exactly.
    let wanted = &expected[7];
    let page = client
        .image_servers()
        .list()
        .server_id(wanted.id.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        (page.count, page.items.unwrap()),
        (Some(1), vec![wanted.clone()])
    );

    // enterprise_project_id of a real enterprise project (a UUID), exactly.
    let project = data
        .iter()
        .map(|s| s.enterprise_project_id.clone())
        .find(|ep| ep.len() == 36)
        .expect("the fake generates UUID enterprise projects");
    let page = client
        .image_servers()
        .list()
        .enterprise_project_id(project.clone())
        .limit(100)
        .send()
        .await
        .unwrap();
    let matching: Vec<_> = data
        .iter()
        .zip(&expected)
        .filter(|(s, _)| s.enterprise_project_id == project)
        .map(|(_, e)| e.clone())
        .collect();
    assert!(!matching.is_empty());
    assert_eq!(page.items.unwrap(), matching);

    // A blank enterprise_project_id is sent (it means the default enterprise project).
    let page = client
        .image_servers()
        .list()
        .enterprise_project_id("")
        .limit(100)
        .send()
        .await
        .unwrap();
    let default_project: Vec<_> = data
        .iter()
        .zip(&expected)
        .filter(|(s, _)| s.enterprise_project_id == "0" || s.enterprise_project_id.is_empty())
        .map(|(_, e)| e.clone())
        .collect();
    assert!(default_project.len() < expected.len(), "the filter applied");
    assert_eq!(page.items.unwrap(), default_project);

    let requests = fake.requests();
    let queries: Vec<_> = requests.iter().map(|r| r.query.clone().unwrap()).collect();
    assert_eq!(
        queries,
        [
            "enterprise_project_id=0&limit=3&offset=2&server_name=image-server-0".to_owned(),
            format!("server_id={}", wanted.id.as_deref().unwrap()),
            format!("enterprise_project_id={project}&limit=100"),
            "enterprise_project_id=&limit=100".to_owned(),
        ]
    );
    requests.iter().for_each(assert_signed);
}

#[tokio::test]
async fn query_values_are_percent_encoded_and_spaces_are_never_plus() {
    let fake = start_default().await;
    let client = client(&fake);

    let page = client
        .image_servers()
        .list()
        .server_name("image instance")
        .send()
        .await
        .unwrap();
    let names: Vec<_> = page
        .items
        .unwrap()
        .into_iter()
        .map(|s| s.name.unwrap())
        .collect();
    assert_eq!(
        names,
        ["Test image instance"],
        "the fake decoded %20 as a space"
    );

    let tricky = "a+b&c=d/é?#%~_.-";
    let page = client
        .image_servers()
        .list()
        .server_name(tricky)
        .send()
        .await
        .unwrap();
    assert_eq!(page.count, Some(0));

    let requests = fake.requests();
    let queries: Vec<_> = requests
        .iter()
        .map(|r| r.query.as_deref().unwrap())
        .collect();
    assert_eq!(
        queries,
        [
            "server_name=image%20instance",
            "server_name=a%2Bb%26c%3Dd%2F%C3%A9%3F%23%25~_.-"
        ]
    );
    requests.iter().for_each(assert_signed);
}

#[tokio::test]
async fn show_image_server_returns_each_server() {
    let fake = start_default().await;
    let client = client(&fake);
    let expected = expected_servers(&fake);
    for server in &expected {
        let id = server.id.as_deref().unwrap();
        assert_eq!(
            &client.image_servers().get(id).await.unwrap(),
            server,
            "{id}"
        );
    }
    let requests = fake.requests();
    assert_eq!(requests.len(), expected.len());
    for (request, server) in requests.iter().zip(&expected) {
        let id = server.id.as_deref().unwrap();
        assert_eq!(request.path, format!("/v1/{PROJECT}/image-servers/{id}"));
        assert_eq!(request.query, None);
        assert_eq!(request.operation, Some(Operation::ShowImageServer));
        assert_eq!(request.status, Some(200));
        assert_signed(request);
    }
}

#[tokio::test]
async fn list_images_without_parameters_returns_every_image_in_name_order() {
    let fake = start_default().await;
    let page = client(&fake).images().list().send().await.unwrap();
    let expected = expected_images(&fake);
    assert_eq!(expected.len(), 32, "2 document examples + 30 generated");
    assert_eq!(page.total_count, Some(32));
    assert_eq!(
        page.images.unwrap(),
        expected,
        "the documented default limit is 100"
    );
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, format!("/v2/{PROJECT}/images"));
    assert_eq!(requests[0].query, None);
    assert_eq!(requests[0].operation, Some(Operation::ListImages));
    assert_signed(&requests[0]);
}

/// How the fake orders images: by `name` or `created_at`, ties by `id`, `desc` the exact reverse.
fn sorted(mut images: Vec<&FakeImage>, by_created_at: bool, descending: bool) -> Vec<&FakeImage> {
    if by_created_at {
        images.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
    } else {
        images.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    }
    if descending {
        images.reverse();
    }
    images
}

/// One ListImages case: the request, the query it must send, and the images it must return.
struct ImageCase {
    name: &'static str,
    request: fn(ListImages) -> ListImages,
    query: &'static str,
    filter: fn(&FakeImage) -> bool,
    by_created_at: bool,
    descending: bool,
    skip: usize,
    take: usize,
    /// Whether the fake holds no matching image (the case checks the query only).
    none_match: bool,
}

fn first_word(image: &FakeImage) -> &str {
    image.os_version.split(' ').next().unwrap_or_default()
}

#[tokio::test]
async fn list_images_sends_every_filter_and_sort_order() {
    let cases = [
        ImageCase {
            name: "os_type, newest first",
            request: |r| {
                r.os_type(OsType::Linux)
                    .sort(SortField::CreatedAt, SortType::Desc)
            },
            query: "os_type=Linux&sort_field=created_at&sort_type=desc",
            filter: |i| i.os_type == "Linux",
            by_created_at: true,
            descending: true,
            skip: 0,
            take: 100,
            none_match: false,
        },
        ImageCase {
            name: "image_type and architecture",
            request: |r| {
                r.image_type(ProductImageType::Private)
                    .architecture(Architecture::X86)
            },
            query: "architecture=x86&image_type=private",
            filter: |i| i.image_type == "private" && i.architecture.as_deref() == Some("x86"),
            by_created_at: false,
            descending: false,
            skip: 0,
            take: 100,
            none_match: false,
        },
        ImageCase {
            name: "platform (case-insensitive) and package_type",
            request: |r| r.platform("windows").package_type("enterprise"),
            query: "package_type=enterprise&platform=windows",
            filter: |i| {
                first_word(i).eq_ignore_ascii_case("windows")
                    && i.package_type.as_deref() == Some("enterprise")
            },
            by_created_at: false,
            descending: false,
            skip: 0,
            take: 100,
            none_match: false,
        },
        ImageCase {
            name: "image_id",
            request: |r| r.image_id("bef99a44-2b6a-4ef9-b1a2-204a4910e374"),
            query: "image_id=bef99a44-2b6a-4ef9-b1a2-204a4910e374",
            filter: |i| i.id == "bef99a44-2b6a-4ef9-b1a2-204a4910e374",
            by_created_at: false,
            descending: false,
            skip: 0,
            take: 100,
            none_match: false,
        },
        ImageCase {
            name: "name descending, offset and limit",
            request: |r| r.sort(SortField::Name, SortType::Desc).offset(3).limit(4),
            query: "limit=4&offset=3&sort_field=name&sort_type=desc",
            filter: |_| true,
            by_created_at: false,
            descending: true,
            skip: 3,
            take: 4,
            none_match: false,
        },
        ImageCase {
            name: "sort_field alone (ascending by default)",
            request: |r| r.sort_field(SortField::CreatedAt),
            query: "sort_field=created_at",
            filter: |_| true,
            by_created_at: true,
            descending: false,
            skip: 0,
            take: 100,
            none_match: false,
        },
        ImageCase {
            name: "sort_type alone (by name by default)",
            request: |r| r.sort_type(SortType::Desc),
            query: "sort_type=desc",
            filter: |_| true,
            by_created_at: false,
            descending: true,
            skip: 0,
            take: 100,
            none_match: false,
        },
        ImageCase {
            name: "limit 0 counts only",
            request: |r| r.os_type(OsType::Windows).limit(0),
            query: "limit=0&os_type=Windows",
            filter: |i| i.os_type == "Windows",
            by_created_at: false,
            descending: false,
            skip: 0,
            take: 0,
            none_match: false,
        },
    ];
    let fake = start_default().await;
    let client = client(&fake);
    for case in &cases {
        fake.clear_requests();
        let page = (case.request)(client.images().list()).send().await.unwrap();
        let matching: Vec<&FakeImage> = fake
            .data()
            .images
            .iter()
            .filter(|i| (case.filter)(i))
            .collect();
        let total = matching.len();
        let wanted: Vec<_> = sorted(matching, case.by_created_at, case.descending)
            .into_iter()
            .skip(case.skip)
            .take(case.take)
            .map(convert)
            .collect();
        assert_eq!(
            total == 0,
            case.none_match,
            "{}: matching images",
            case.name
        );
        assert_eq!(page.total_count, Some(total as i32), "{}", case.name);
        assert_eq!(page.images.unwrap(), wanted, "{}", case.name);
        let requests = fake.requests();
        assert_eq!(requests.len(), 1, "{}", case.name);
        assert_eq!(
            requests[0].query.as_deref(),
            Some(case.query),
            "{}",
            case.name
        );
        assert_signed(&requests[0]);
    }

    // An os_type the SDK does not know is sent as given; the fake knows only the documented
    // values of every enum-typed parameter and refuses others (spec/README.md).
    fake.clear_requests();
    let error = client
        .images()
        .list()
        .os_type("Kylin")
        .send()
        .await
        .unwrap_err();
    let api = error.as_api().unwrap_or_else(|| panic!("{error:?}"));
    assert_eq!(api.status, 400);
    assert!(
        api.error_msg
            .as_deref()
            .unwrap()
            .starts_with("os_type must be one of"),
        "{api:?}"
    );
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].query.as_deref(), Some("os_type=Kylin"));
}

#[tokio::test]
async fn get_dev_server_image_returns_each_image() {
    let fake = start_default().await;
    let client = client(&fake);
    let expected = expected_dev_images(&fake);
    assert_eq!(expected.len(), 10);
    for image in &expected {
        let id = image.image_id.as_deref().unwrap();
        assert_eq!(&client.dev_server_images().get(id).await.unwrap(), image);
    }
    let requests = fake.requests();
    assert_eq!(requests.len(), expected.len());
    for (request, image) in requests.iter().zip(&expected) {
        let id = image.image_id.as_deref().unwrap();
        assert_eq!(
            request.path,
            format!("/v1/{PROJECT}/dev-servers/images/{id}")
        );
        assert_eq!(request.query, None);
        assert_eq!(request.operation, Some(Operation::GetDevServerImage));
        assert_eq!(request.status, Some(200));
        assert_signed(request);
    }
}

#[tokio::test]
async fn open_enums_keep_values_no_document_lists() {
    let config = FakeConfig {
        include_unknown_enum_values: true,
        ..FakeConfig::default()
    };
    let fake = start(config).await;
    let client = client(&fake);

    let servers = client
        .image_servers()
        .list()
        .paginate()
        .collect_all()
        .await
        .unwrap();
    assert_eq!(servers.len(), 30, "28 + the two with unlisted statuses");
    let named = |name: &str| {
        servers
            .iter()
            .find(|s| s.name.as_deref() == Some(name))
            .unwrap()
    };
    let migrating = named("image-server-unknown-status");
    assert_eq!(
        migrating.status,
        Some(ImageServerStatus::Unknown("MIGRATING".into()))
    );
    let image_ref = migrating.image_ref.as_ref().unwrap();
    assert_eq!(
        image_ref.image_type,
        Some(ImageSourceType::Unknown("marketplace".into()))
    );
    let accounts = migrating.authorize_accounts.as_ref().unwrap();
    assert_eq!(
        accounts[0].account_type,
        Some(AccountType::Unknown("AGENCY".into()))
    );
    let null = named("image-server-null-status");
    assert_eq!(
        null.status,
        Some(ImageServerStatus::Null),
        "`null` is the documented NULL"
    );
    // The same through ShowImageServer.
    let shown = client
        .image_servers()
        .get(migrating.id.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(&shown, migrating);

    let images = client.images().list().send().await.unwrap().images.unwrap();
    let odd = images
        .iter()
        .find(|i| i.name.as_deref() == Some("Workspace_Unknown_values"))
        .unwrap();
    assert_eq!(odd.os_type, Some(OsType::Unknown("FreeBSD".into())));
    assert_eq!(
        odd.architecture,
        Some(Architecture::Unknown("riscv64".into()))
    );
    assert_eq!(odd.disk_format, Some(DiskFormat::Unknown("iso".into())));
    assert_eq!(
        odd.image_type,
        Some(ProductImageType::Unknown("market".into()))
    );
    assert!(images.iter().all(|i| i.os_type.is_some()));

    let unknown_dev = fake
        .data()
        .dev_server_images
        .iter()
        .find(|d| d.status == "FROZEN")
        .unwrap();
    let image = client
        .dev_server_images()
        .get(&unknown_dev.image_id)
        .await
        .unwrap();
    // ModelArts' values are open enums too (from the official SDK's model; spec/README.md).
    assert_eq!(
        (image.arch, image.server_type, image.status),
        (
            Some(DevServerImageArch::Unknown("RISCV".into())),
            Some(DevServerType::Unknown("SUPERPOD".into())),
            Some(DevServerImageStatus::Unknown("FROZEN".into()))
        )
    );
}

#[tokio::test]
async fn fields_no_document_lists_are_ignored() {
    let plain = start_default().await;
    let config = FakeConfig {
        include_unknown_fields: true,
        ..FakeConfig::default()
    };
    let extended = start(config).await;
    assert!(
        extended.data().image_servers[0]
            .extra
            .contains_key("x_fake_future_object"),
        "the fake serves extra fields"
    );
    let (a, b) = (client(&plain), client(&extended));

    let servers_a = a.image_servers().list().limit(100).send().await.unwrap();
    let servers_b = b.image_servers().list().limit(100).send().await.unwrap();
    assert_eq!(servers_a, servers_b);
    let id = servers_a.items.unwrap()[4].id.clone().unwrap();
    assert_eq!(
        a.image_servers().get(&id).await.unwrap(),
        b.image_servers().get(&id).await.unwrap()
    );
    assert_eq!(
        a.images().list().send().await.unwrap(),
        b.images().list().send().await.unwrap()
    );
    let dev_id = plain.data().dev_server_images[3].image_id.clone();
    assert_eq!(
        a.dev_server_images().get(&dev_id).await.unwrap(),
        b.dev_server_images().get(&dev_id).await.unwrap()
    );
    assert!(extended.requests().iter().all(|r| r.status == Some(200)));
}

#[tokio::test]
async fn ids_with_reserved_characters_travel_as_one_path_segment() {
    let fake = start_default().await;
    let client = client(&fake);
    let prefix = format!("/v1/{PROJECT}/image-servers/");
    let ids = [
        "a/b",
        "x?y=1",
        "frag#ment",
        "100%",
        "a/../b",
        "..a",
        "名字",
        "with space",
    ];
    for id in ids {
        let error = client.image_servers().get(id).await.unwrap_err();
        let api = error.as_api().unwrap_or_else(|| panic!("{id}: {error:?}"));
        assert_eq!(api.status, 404, "{id}");
        assert_eq!(
            api.error_code.as_deref(),
            Some("WKS.00010404"),
            "{id}: the service's 404, not the gateway's unknown-route 404"
        );
        let message = api.error_msg.as_deref().unwrap();
        assert!(
            message.contains(id),
            "{id}: the fake read the whole id: {message}"
        );
    }
    let requests = fake.requests();
    assert_eq!(requests.len(), ids.len());
    for (request, id) in requests.iter().zip(ids) {
        let segment = request.path.strip_prefix(&prefix).unwrap();
        assert!(!segment.contains(['/', '?', '#', ' ']), "{id}: {segment}");
        assert_eq!(percent_decode_str(segment).decode_utf8().unwrap(), id);
        assert_eq!(request.query, None, "{id}");
        assert_eq!(request.operation, Some(Operation::ShowImageServer));
        assert_eq!(request.status, Some(404));
        assert_signed(request);
    }
}

#[tokio::test]
async fn the_client_reports_its_configuration() {
    let fake = start_default().await;
    let client = client(&fake);
    assert_eq!(client.project_id(), Some(PROJECT));
    assert_eq!(client.region().as_str(), "cn-north-4");
    for &service in Service::ALL {
        let endpoint = client.endpoint(service);
        assert_eq!(endpoint.url(), fake.base_url());
        assert_eq!(endpoint.source(), &EndpointSource::Override);
    }
    assert!(
        fake.requests().is_empty(),
        "building a client sends nothing"
    );
}
