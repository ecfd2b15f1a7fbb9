//! The objects a fake server holds: the documents' examples plus objects generated from the seed.
//!
//! Generation is deterministic: the same [`FakeConfig`] gives the same objects, byte for byte once
//! serialized. Each collection draws from its own ChaCha stream, so changing one count does not change
//! the other collections. Enum-like fields cycle through every documented value (see [`crate::shapes`]),
//! so every value appears once a collection has at least as many generated objects as the value set.

mod generate;

use super::doc_examples;
use crate::config::FakeConfig;
use crate::services::shapes::{DevServerImage, ImageInfo, ImageServer};

/// Everything a fake server serves. Lists are kept in the order the fake returns them by default.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeData {
    /// Image servers in ListImageServers order: `create_time` descending, then `id` ascending.
    /// Holds the three document examples, `config.image_servers` generated ones and, with
    /// `include_unknown_enum_values`, two more (statuses `MIGRATING` and `null`).
    pub image_servers: Vec<ImageServer>,
    /// Images in ListImages' default order: `name` ascending (byte order), then `id`.
    /// Holds the two document examples, `config.images` generated ones and, with
    /// `include_unknown_enum_values`, one more with unlisted `os_type`/`architecture`/`disk_format`.
    pub images: Vec<ImageInfo>,
    /// ModelArts Lite Server images in generation order (`config.dev_server_images` of them, plus one
    /// with unlisted values when `include_unknown_enum_values`).
    pub dev_server_images: Vec<DevServerImage>,
}

impl FakeData {
    /// Builds the data a server started with `config` holds.
    pub fn generate(config: &FakeConfig) -> FakeData {
        let mut image_servers = doc_examples::image_servers();
        image_servers.extend(generate::image_servers(config.seed, config.image_servers));
        let mut images = doc_examples::images();
        images.extend(generate::images(config.seed, config.images));
        let mut dev_server_images =
            generate::dev_server_images(config.seed, config.dev_server_images);

        if config.include_unknown_enum_values {
            image_servers.extend(generate::unknown_image_servers(config.seed));
            images.push(generate::unknown_image(config.seed));
            dev_server_images.push(generate::unknown_dev_server_image(config.seed));
        }
        if config.include_unknown_fields {
            image_servers
                .iter_mut()
                .for_each(|o| generate::add_unknown_fields(&mut o.extra));
            images
                .iter_mut()
                .for_each(|o| generate::add_unknown_fields(&mut o.extra));
            dev_server_images
                .iter_mut()
                .for_each(|o| generate::add_unknown_fields(&mut o.extra));
        }

        image_servers.sort_by(|a, b| {
            b.create_time
                .cmp(&a.create_time)
                .then_with(|| a.id.cmp(&b.id))
        });
        images.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
        FakeData {
            image_servers,
            images,
            dev_server_images,
        }
    }

    /// The image server whose `id` is `id`.
    pub fn image_server(&self, id: &str) -> Option<&ImageServer> {
        self.image_servers.iter().find(|server| server.id == id)
    }

    /// The dev-server image whose `image_id` is `id`.
    pub fn dev_server_image(&self, id: &str) -> Option<&DevServerImage> {
        self.dev_server_images
            .iter()
            .find(|image| image.image_id == id)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::services::shapes::*;

    fn values<'a>(items: impl Iterator<Item = &'a str>) -> HashSet<&'a str> {
        items.collect()
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let config = FakeConfig::default();
        let json = |data: &FakeData| {
            serde_json::to_string(&(&data.image_servers, &data.images, &data.dev_server_images))
                .unwrap()
        };
        let a = FakeData::generate(&config);
        let b = FakeData::generate(&config);
        assert_eq!(json(&a), json(&b));
        let c = FakeData::generate(&FakeConfig { seed: 7, ..config });
        assert_ne!(json(&a), json(&c));
    }

    #[test]
    fn holds_the_document_examples_and_the_requested_counts() {
        let config = FakeConfig {
            image_servers: 9,
            images: 4,
            dev_server_images: 3,
            ..Default::default()
        };
        let data = FakeData::generate(&config);
        assert_eq!(data.image_servers.len(), 3 + 9);
        assert_eq!(data.images.len(), 2 + 4);
        assert_eq!(data.dev_server_images.len(), 3);
        assert_eq!(
            data.image_server("697612196993040384").unwrap().name,
            "test_instance_1"
        );
        assert_eq!(
            data.image_server("222xx-xxxsdfsadf-xxx").unwrap().status,
            "BUILDING"
        );
        assert!(data.images.iter().any(|i| i.name == "FA-LZ-x86vAG-801temp"));
    }

    #[test]
    fn every_documented_value_appears() {
        let data = FakeData::generate(&FakeConfig::default());
        let servers = &data.image_servers;
        assert_eq!(
            values(servers.iter().map(|s| s.status.as_str())),
            values(IMAGE_SERVER_STATUS_VALUES.into_iter())
        );
        assert_eq!(
            values(servers.iter().map(|s| s.image_ref.image_type.as_str())),
            values(IMAGE_REF_TYPE_VALUES.into_iter())
        );
        let accounts = servers.iter().flat_map(|s| s.authorize_accounts.iter());
        assert_eq!(
            values(accounts.map(|a| a.account_type.as_str())),
            values(ACCOUNT_TYPE_VALUES.into_iter())
        );
        let images = &data.images;
        let checks: [(HashSet<&str>, &[&str]); 4] = [
            (
                values(images.iter().map(|i| i.os_type.as_str())),
                &OS_TYPE_VALUES,
            ),
            (
                values(images.iter().map(|i| i.image_type.as_str())),
                &IMAGE_TYPE_VALUES,
            ),
            (
                values(images.iter().filter_map(|i| i.architecture.as_deref())),
                &ARCHITECTURE_VALUES,
            ),
            (
                values(images.iter().map(|i| i.disk_format.as_str())),
                &DISK_FORMAT_VALUES,
            ),
        ];
        for (seen, documented) in checks {
            assert_eq!(seen, values(documented.iter().copied()));
        }
        let dev = &data.dev_server_images;
        assert_eq!(
            values(dev.iter().map(|d| d.status.as_str())),
            values(DEV_SERVER_STATUS_VALUES.into_iter())
        );
    }

    #[test]
    fn unknown_values_only_on_request() {
        let plain = FakeData::generate(&FakeConfig::default());
        assert!(plain.image_servers.iter().all(|s| s.status != "MIGRATING"));
        let config = FakeConfig {
            include_unknown_enum_values: true,
            ..Default::default()
        };
        let data = FakeData::generate(&config);
        assert_eq!(data.image_servers.len(), plain.image_servers.len() + 2);
        assert!(data.image_servers.iter().any(|s| s.status == "MIGRATING"));
        assert!(data.image_servers.iter().any(|s| s.status == "null"));
        assert!(
            data.images
                .iter()
                .any(|i| !OS_TYPE_VALUES.contains(&i.os_type.as_str()))
        );
        assert!(
            data.dev_server_images
                .iter()
                .any(|d| !DEV_SERVER_STATUS_VALUES.contains(&d.status.as_str()))
        );
    }

    #[test]
    fn ids_are_unique_and_lists_are_in_serving_order() {
        let data = FakeData::generate(&FakeConfig {
            image_servers: 200,
            images: 200,
            ..Default::default()
        });
        let ids = values(data.image_servers.iter().map(|s| s.id.as_str()));
        assert_eq!(ids.len(), data.image_servers.len());
        assert!(
            data.image_servers
                .windows(2)
                .all(|w| w[0].create_time >= w[1].create_time)
        );
        assert!(data.images.windows(2).all(|w| w[0].name <= w[1].name));
        let image_ids = values(data.images.iter().map(|i| i.id.as_str()));
        assert_eq!(image_ids.len(), data.images.len());
    }
}
