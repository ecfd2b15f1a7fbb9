//! The documents' example objects, transcribed field for field (documents 000, 001, 002/003).

use serde_json::Map;

use crate::services::shapes::{ImageAccountInfo, ImageInfo, ImageRef, ImageServer};

fn s(value: &str) -> String {
    value.to_owned()
}

fn account(name: &str, account_type: &str, domain: Option<&str>) -> Vec<ImageAccountInfo> {
    vec![ImageAccountInfo {
        account: s(name),
        account_type: s(account_type),
        domain: domain.map(s),
    }]
}

/// The two ListImageServers items (000) and the ShowImageServer example (001).
pub(crate) fn image_servers() -> Vec<ImageServer> {
    vec![
        ImageServer {
            id: s("697612196993040384"),
            name: s("test_instance_1"),
            description: s("A test of creating an image instance."),
            image_ref: ImageRef {
                id: s("da02e5ca-c6ec-4685-8ecb-f116bb5bdd2c"),
                image_type: s("gold"),
                spce_code: s("90a6e84bb3e822fe54999b6be5bbae1e"),
                product_id: s(""),
            },
            server_group_id: s("dae99966-76c4-4995-adaf-e8e2ab36869a"),
            app_group_id: s(""),
            server_id: s(""),
            instance_id: s(""),
            image_id: s(""),
            status: s("CREATING"),
            authorize_accounts: account("user0012", "USER", None),
            create_time: s("2024-05-07T07:54:21.009Z"),
            update_time: s("2024-05-07T07:54:22.329Z"),
            enterprise_project_id: s("0"),
            extra: Map::new(),
        },
        ImageServer {
            id: s("627989489700044800"),
            name: s("test_instance_2"),
            description: s(""),
            image_ref: ImageRef {
                id: s("da02e5ca-c6ec-4685-8ecb-f116bb5bdd2c"),
                image_type: s("gold"),
                spce_code: s("90a6e84bb3e822fe54999b6be5bbae1e"),
                product_id: s(""),
            },
            server_group_id: s("898dda82-4d61-4c3d-bff2-679e61cd34f3"),
            app_group_id: s("627991243116249088"),
            server_id: s("wksapp-08722b58-6900-4c03-bfc0-99e1a056b8ad"),
            instance_id: s("989e6391-43b5-49a7-a684-6c36e7ad714a"),
            image_id: s(""),
            status: s("ACTIVE"),
            authorize_accounts: account("user001", "USER", None),
            create_time: s("2023-10-28T04:58:34.058Z"),
            update_time: s("2023-10-28T05:05:33.826Z"),
            enterprise_project_id: s("0"),
            extra: Map::new(),
        },
        ImageServer {
            id: s("222xx-xxxsdfsadf-xxx"),
            name: s("Test image instance"),
            description: s("Test image instance."),
            image_ref: ImageRef {
                id: s("1"),
                image_type: s("private"),
                spce_code: s("78b3e72878a81a9b3bfd2b3c912c0f58"),
                product_id: s("00301-1238008-0--0"),
            },
            server_group_id: s("xxx-xxx-xxx-xx"),
            app_group_id: s("xxx-xxx-xxx-xx"),
            server_id: s("xxx-xxx-xxx-xx"),
            instance_id: s("cc5279d6-xxxx-xx-xxx-b87a97cf02af"),
            image_id: s("xxx-xxx-xxx-xx"),
            status: s("BUILDING"),
            authorize_accounts: account(
                "zhangsan***@test.com",
                "USER_GROUP",
                Some("siv.***.huawei.com"),
            ),
            create_time: s("2022-03-07T10:40:43.858Z"),
            update_time: s("2022-03-07T10:40:43.858Z"),
            enterprise_project_id: s("xxx-xxx-xx-x-x-xx"),
            extra: Map::new(),
        },
    ]
}

fn euler_image(id: &str, os_version: &str, name: &str, min_disk: i64) -> ImageInfo {
    ImageInfo {
        id: s(id),
        image_type: s("gold"),
        os_type: s("Linux"),
        architecture: None,
        os_version: s(os_version),
        disk_format: s("qcow2"),
        name: s(name),
        min_ram: 0,
        min_disk,
        product_code: None,
        created_at: None,
        kms_id: None,
        package_type: None,
        extra: Map::new(),
    }
}

/// The two ListImages images (002 and 003 show the same two).
pub(crate) fn images() -> Vec<ImageInfo> {
    vec![
        euler_image(
            "d6b368bc-a24d-4fb5-a8fb-727356a53f33",
            "EulerOS 2.2 64bit",
            "Euler_Online_Tenant_vAG",
            50,
        ),
        euler_image(
            "bef99a44-2b6a-4ef9-b1a2-204a4910e374",
            "EulerOS 2.5 64bit",
            "FA-LZ-x86vAG-801temp",
            60,
        ),
    ]
}
