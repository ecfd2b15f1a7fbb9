//! Seeded generators of plausible objects. Names, versions and codes are made up but shaped like the
//! documents' examples.

use std::collections::HashSet;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::macros::format_description;

use crate::services::shapes::*;

/// One ChaCha stream per collection, so the counts of one do not shift the others.
const SERVER_STREAM: u64 = 1;
const IMAGE_STREAM: u64 = 2;
const DEV_IMAGE_STREAM: u64 = 3;
const UNKNOWN_STREAM: u64 = 4;

/// 2022-01-01T00:00:00Z; generated times fall within the following three years.
const EPOCH_2022: i64 = 1_640_995_200;
const THREE_YEARS_SECS: i64 = 3 * 365 * 24 * 3600;

const WORDS: [&str; 8] = [
    "finance", "design", "dev", "ops", "sales", "lab", "hr", "support",
];

fn rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

fn pick<'a>(rng: &mut ChaCha8Rng, values: &[&'a str]) -> &'a str {
    values[rng.random_range(0..values.len())]
}

/// A random version-4 UUID (so it also matches ModelArts' documented id pattern).
fn uuid(rng: &mut ChaCha8Rng) -> String {
    let mut b: [u8; 16] = rng.random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

fn hex32(rng: &mut ChaCha8Rng) -> String {
    hex::encode(rng.random::<[u8; 16]>())
}

/// An 18-digit numeric id like the documents' `697612196993040384`.
fn numeric_id(rng: &mut ChaCha8Rng) -> String {
    rng.random_range(100_000_000_000_000_000u64..1_000_000_000_000_000_000)
        .to_string()
}

fn datetime(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// `2024-05-07T07:54:21.009Z`, as in the WorkspaceApp documents.
fn millis_time(secs: i64, millis: u16) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let base = datetime(secs).format(&format).unwrap_or_default();
    format!("{base}.{millis:03}Z")
}

/// `2024-01-02T03:04:05Z`: UTC, as document 003 describes `created_at`.
fn utc_time(secs: i64) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    datetime(secs).format(&format).unwrap_or_default()
}

fn accounts(rng: &mut ChaCha8Rng, index: usize) -> Vec<ImageAccountInfo> {
    let count = rng.random_range(1..=3);
    (0..count)
        .map(|k| {
            let account_type = ACCOUNT_TYPE_VALUES[(index + k) % ACCOUNT_TYPE_VALUES.len()];
            let (account, domain) = if account_type == "USER" {
                (format!("user{:03}", rng.random_range(0..1000)), None)
            } else {
                let group = format!("group-{}", pick(rng, &WORDS));
                (
                    group,
                    rng.random_bool(0.5)
                        .then(|| format!("{}.example.com", pick(rng, &WORDS))),
                )
            };
            ImageAccountInfo {
                account,
                account_type: account_type.to_owned(),
                domain,
            }
        })
        .collect()
}

fn image_ref(rng: &mut ChaCha8Rng, image_type: &str) -> ImageRef {
    let gold = image_type == "gold";
    ImageRef {
        id: uuid(rng),
        image_type: image_type.to_owned(),
        spce_code: if gold || rng.random_bool(0.5) {
            hex32(rng)
        } else {
            String::new()
        },
        product_id: if gold {
            format!("00301-{}-0--0", rng.random_range(100_000..10_000_000))
        } else {
            String::new()
        },
    }
}

fn image_server(rng: &mut ChaCha8Rng, index: usize, id: String, eps: &[String]) -> ImageServer {
    let status = IMAGE_SERVER_STATUS_VALUES[index % IMAGE_SERVER_STATUS_VALUES.len()];
    let image_type = IMAGE_REF_TYPE_VALUES[index % IMAGE_REF_TYPE_VALUES.len()];
    let running = !matches!(status, "CREATING" | "NULL");
    let created = EPOCH_2022 + rng.random_range(0..THREE_YEARS_SECS);
    let updated = created + rng.random_range(0..30 * 24 * 3600);
    let optional_id = |rng: &mut ChaCha8Rng, prefix: &str| {
        if running {
            format!("{prefix}{}", uuid(rng))
        } else {
            String::new()
        }
    };
    ImageServer {
        name: format!("image-server-{index:03}-{}", pick(rng, &WORDS)),
        description: if rng.random_bool(0.6) {
            format!("Image instance for the {} team.", pick(rng, &WORDS))
        } else {
            String::new()
        },
        image_ref: image_ref(rng, image_type),
        server_group_id: uuid(rng),
        app_group_id: if running {
            numeric_id(rng)
        } else {
            String::new()
        },
        server_id: optional_id(rng, "wksapp-"),
        instance_id: optional_id(rng, ""),
        image_id: if status == "BUILT" {
            uuid(rng)
        } else {
            String::new()
        },
        status: status.to_owned(),
        authorize_accounts: accounts(rng, index),
        create_time: millis_time(created, rng.random_range(0..1000)),
        update_time: millis_time(updated, rng.random_range(0..1000)),
        enterprise_project_id: eps[rng.random_range(0..eps.len())].clone(),
        id,
        extra: Map::new(),
    }
}

/// `count` image servers. Enterprise projects: `"0"` (most), `""` and two generated UUIDs.
pub(super) fn image_servers(seed: u64, count: usize) -> Vec<ImageServer> {
    let mut rng = rng(seed, SERVER_STREAM);
    let eps = [
        "0".to_owned(),
        "0".to_owned(),
        String::new(),
        uuid(&mut rng),
        uuid(&mut rng),
    ];
    let mut seen = HashSet::new();
    (0..count)
        .map(|index| {
            let mut id = numeric_id(&mut rng);
            while !seen.insert(id.clone()) {
                id = numeric_id(&mut rng);
            }
            image_server(&mut rng, index, id, &eps)
        })
        .collect()
}

fn os_version(rng: &mut ChaCha8Rng, os_type: &str) -> &'static str {
    match os_type {
        "Linux" => pick(
            rng,
            &[
                "Ubuntu 22.04 server 64bit",
                "EulerOS 2.5 64bit",
                "CentOS 7.9 64bit",
            ],
        ),
        "Windows" => pick(
            rng,
            &[
                "Windows Server 2019 Datacenter 64bit",
                "Windows 10 Enterprise 64bit",
            ],
        ),
        _ => pick(rng, &["UOS 20 64bit", "Kylin V10 64bit"]),
    }
}

fn image(rng: &mut ChaCha8Rng, index: usize) -> ImageInfo {
    let os_type = OS_TYPE_VALUES[index % OS_TYPE_VALUES.len()];
    let arch = ARCHITECTURE_VALUES[index % ARCHITECTURE_VALUES.len()];
    let package = PACKAGE_TYPE_VALUES[index % PACKAGE_TYPE_VALUES.len()];
    let os_version = os_version(rng, os_type);
    let platform = os_version.split(' ').next().unwrap_or(os_type);
    ImageInfo {
        id: uuid(rng),
        image_type: IMAGE_TYPE_VALUES[index % IMAGE_TYPE_VALUES.len()].to_owned(),
        os_type: os_type.to_owned(),
        architecture: Some(arch.to_owned()),
        os_version: os_version.to_owned(),
        disk_format: DISK_FORMAT_VALUES[index % DISK_FORMAT_VALUES.len()].to_owned(),
        name: format!("Workspace_{platform}_{arch}_{package}_{index:03}"),
        min_ram: [0, 0, 0, 2048, 4096][rng.random_range(0..5)],
        min_disk: rng.random_range(4..=102) * 10,
        product_code: Some(format!(
            "workspace.{arch}.{package}.{}",
            rng.random_range(1..9)
        )),
        created_at: Some(utc_time(EPOCH_2022 + rng.random_range(0..THREE_YEARS_SECS))),
        kms_id: rng.random_bool(0.25).then(|| uuid(rng)),
        package_type: Some(package.to_owned()),
        extra: Map::new(),
    }
}

/// `count` product images; every enum-like field cycles through its documented values.
pub(super) fn images(seed: u64, count: usize) -> Vec<ImageInfo> {
    let mut rng = rng(seed, IMAGE_STREAM);
    (0..count).map(|index| image(&mut rng, index)).collect()
}

/// `count` ModelArts Lite Server images (values illustrative, see [`crate::shapes`]).
pub(super) fn dev_server_images(seed: u64, count: usize) -> Vec<DevServerImage> {
    let mut rng = rng(seed, DEV_IMAGE_STREAM);
    (0..count)
        .map(|index| {
            let arch = DEV_SERVER_ARCH_VALUES[index % DEV_SERVER_ARCH_VALUES.len()];
            let os = pick(&mut rng, &["EulerOS2.10", "Ubuntu22.04", "HCE2.0"]);
            DevServerImage {
                arch: arch.to_owned(),
                image_id: uuid(&mut rng),
                name: format!("lite-server-{}-{os}-{index:03}", arch.to_lowercase()),
                server_type: DEV_SERVER_TYPE_VALUES[index % DEV_SERVER_TYPE_VALUES.len()]
                    .to_owned(),
                status: DEV_SERVER_STATUS_VALUES[index % DEV_SERVER_STATUS_VALUES.len()].to_owned(),
                extra: Map::new(),
            }
        })
        .collect()
}

/// Two servers with values no document lists: status `MIGRATING` (with image type `marketplace` and
/// account type `AGENCY`), and status `null` (the official SDK's spelling of the documented `NULL`).
pub(super) fn unknown_image_servers(seed: u64) -> Vec<ImageServer> {
    let mut rng = rng(seed, UNKNOWN_STREAM);
    let eps = ["0".to_owned()];
    let id = numeric_id(&mut rng);
    let mut migrating = image_server(&mut rng, 1, id, &eps);
    migrating.name = "image-server-unknown-status".to_owned();
    migrating.status = "MIGRATING".to_owned();
    migrating.image_ref.image_type = "marketplace".to_owned();
    if let Some(first) = migrating.authorize_accounts.first_mut() {
        first.account_type = "AGENCY".to_owned();
    }
    let id = numeric_id(&mut rng);
    let mut null = image_server(&mut rng, 2, id, &eps);
    null.name = "image-server-null-status".to_owned();
    null.status = "null".to_owned();
    vec![migrating, null]
}

/// An image with an unlisted `image_type`, `os_type`, `architecture` and `disk_format`.
pub(super) fn unknown_image(seed: u64) -> ImageInfo {
    let mut rng = rng(seed, UNKNOWN_STREAM + 1);
    let mut image = image(&mut rng, 0);
    image.name = "Workspace_Unknown_values".to_owned();
    image.image_type = "market".to_owned();
    image.os_type = "FreeBSD".to_owned();
    image.architecture = Some("riscv64".to_owned());
    image.disk_format = "iso".to_owned();
    image
}

/// A dev-server image with unlisted `arch`, `server_type` and `status`.
pub(super) fn unknown_dev_server_image(seed: u64) -> DevServerImage {
    let mut rng = rng(seed, UNKNOWN_STREAM + 2);
    DevServerImage {
        arch: "RISCV".to_owned(),
        image_id: uuid(&mut rng),
        name: "lite-server-unknown-values".to_owned(),
        server_type: "SUPERPOD".to_owned(),
        status: "FROZEN".to_owned(),
        extra: Map::new(),
    }
}

/// Fields no document lists, added to every object with `include_unknown_fields`.
pub(super) fn add_unknown_fields(extra: &mut Map<String, Value>) {
    extra.insert(
        "x_fake_future_field".to_owned(),
        json!("added by a later API version"),
    );
    extra.insert(
        "x_fake_future_object".to_owned(),
        json!({"nested": [1, 2, 3], "flag": true}),
    );
}
