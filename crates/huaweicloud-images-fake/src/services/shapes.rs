//! The objects the fake serves, shaped as the documents describe them (field names as on the wire).
//!
//! Enum-like fields are plain strings on purpose: the fake must be able to serve values no document
//! lists. The documented value sets are the `*_VALUES` constants below.

use serde::Serialize;
use serde_json::{Map, Value};

/// `ImageServer.status` values documented by ShowImageServer.
pub const IMAGE_SERVER_STATUS_VALUES: [&str; 7] = [
    "CREATING", "ACTIVE", "BUILDING", "BUILT", "ERROR", "DELETING", "NULL",
];
/// `ImageRef.image_type` values documented by ListImageServers / ShowImageServer.
pub const IMAGE_REF_TYPE_VALUES: [&str; 5] = ["gold", "public", "private", "shared", "other"];
/// `ImageAccountInfo.account_type` values.
pub const ACCOUNT_TYPE_VALUES: [&str; 2] = ["USER", "USER_GROUP"];
/// `ImageInfo.image_type` values documented by ListImages.
pub const IMAGE_TYPE_VALUES: [&str; 2] = ["gold", "private"];
/// `ImageInfo.os_type` values.
pub const OS_TYPE_VALUES: [&str; 3] = ["Linux", "Windows", "Other"];
/// `ImageInfo.architecture` values (document 003).
pub const ARCHITECTURE_VALUES: [&str; 2] = ["arm", "x86"];
/// `ImageInfo.disk_format` values.
pub const DISK_FORMAT_VALUES: [&str; 4] = ["vhd", "raw", "qcow2", "zvhd2"];
/// ILLUSTRATIVE: the ListImages `package_type` filter ("package series") has no documented values and no
/// field in `ImageInfo`; the fake keeps these as a hidden attribute of each generated image.
pub const PACKAGE_TYPE_VALUES: [&str; 3] = ["general", "enterprise", "gpu"];
/// ILLUSTRATIVE: document 004 cuts off the `arch` range; these are the values other ModelArts Lite
/// Server pages list for a server's architecture.
pub const DEV_SERVER_ARCH_VALUES: [&str; 2] = ["X86", "ARM"];
/// ILLUSTRATIVE: document 004 cuts off the `server_type` range; ModelArts' image-list page lists these.
pub const DEV_SERVER_TYPE_VALUES: [&str; 3] = ["BMS", "ECS", "HPS"];
/// ILLUSTRATIVE: document 004 cuts off the `status` range; plausible image states, not documented ones.
pub const DEV_SERVER_STATUS_VALUES: [&str; 4] = ["ACTIVE", "CREATING", "FAILED", "DELETED"];

/// An image instance (WorkspaceApp `ImageServer`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImageServer {
    /// Unique instance id (ShowImageServer's `server_id` path parameter matches this).
    pub id: String,
    /// Instance name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Image source.
    pub image_ref: ImageRef,
    /// APS server group id.
    pub server_group_id: String,
    /// Application group id.
    pub app_group_id: String,
    /// APS instance id.
    pub server_id: String,
    /// ECS id.
    pub instance_id: String,
    /// Image product id.
    pub image_id: String,
    /// One of [`IMAGE_SERVER_STATUS_VALUES`] (or an unknown value, see `include_unknown_enum_values`).
    pub status: String,
    /// Users and groups allowed to use the applications.
    pub authorize_accounts: Vec<ImageAccountInfo>,
    /// Creation time, e.g. `2024-05-07T07:54:21.009Z`.
    pub create_time: String,
    /// Update time.
    pub update_time: String,
    /// Enterprise project id; `"0"` or `""` is the default enterprise project.
    pub enterprise_project_id: String,
    /// Fields no document lists (only with `include_unknown_fields` / `include_unknown_enum_values`).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Image source information (`ImageRef`; `spce_code` is spelled that way on the wire).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImageRef {
    /// Image source id.
    pub id: String,
    /// One of [`IMAGE_REF_TYPE_VALUES`].
    pub image_type: String,
    /// Specification code (mandatory for `gold`).
    pub spce_code: String,
    /// Product id (mandatory for `gold`).
    pub product_id: String,
}

/// A user or user group (`ImageAccountInfo`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImageAccountInfo {
    /// User or group name.
    pub account: String,
    /// One of [`ACCOUNT_TYPE_VALUES`].
    pub account_type: String,
    /// Domain name; absent in some document examples, so optional.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
}

/// A Workspace product image (`ImageInfo`). Optional fields are absent from the documents' examples.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImageInfo {
    /// Image id (the `image_id` filter matches it exactly).
    pub id: String,
    /// One of [`IMAGE_TYPE_VALUES`].
    pub image_type: String,
    /// One of [`OS_TYPE_VALUES`].
    pub os_type: String,
    /// One of [`ARCHITECTURE_VALUES`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub architecture: Option<String>,
    /// OS version, e.g. `EulerOS 2.5 64bit`; its first word is what the `platform` filter matches.
    pub os_version: String,
    /// One of [`DISK_FORMAT_VALUES`].
    pub disk_format: String,
    /// Image name (the default sort key).
    pub name: String,
    /// Minimum memory in MB.
    pub min_ram: i64,
    /// Minimum disk in GB (40–1024).
    pub min_disk: i64,
    /// Product code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_code: Option<String>,
    /// Creation time (UTC), e.g. `2024-01-02T03:04:05Z`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// KMS key id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_id: Option<String>,
    /// NOT on the wire: the fake's own attribute behind the `package_type` filter
    /// (one of [`PACKAGE_TYPE_VALUES`]; `None` for the documents' examples).
    #[serde(skip)]
    pub package_type: Option<String>,
    /// Fields no document lists (only with `include_unknown_fields` / `include_unknown_enum_values`).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A ModelArts Lite Server image (GetDevServerImage's response).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DevServerImage {
    /// One of [`DEV_SERVER_ARCH_VALUES`] (illustrative).
    pub arch: String,
    /// Image id, a UUID matching the documented pattern.
    pub image_id: String,
    /// Image name (1–256 characters).
    pub name: String,
    /// One of [`DEV_SERVER_TYPE_VALUES`] (illustrative).
    pub server_type: String,
    /// One of [`DEV_SERVER_STATUS_VALUES`] (illustrative).
    pub status: String,
    /// Fields no document lists (only with `include_unknown_fields` / `include_unknown_enum_values`).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The ListImageServers response body.
#[derive(Debug, Serialize)]
pub struct ImageServerPage<'a> {
    /// Number of servers matching the filters (before paging).
    pub count: i64,
    /// This page.
    pub items: Vec<&'a ImageServer>,
}

/// The ListImages response body.
#[derive(Debug, Serialize)]
pub struct ImagePage<'a> {
    /// Number of images matching the filters (before paging).
    pub total_count: i64,
    /// This page.
    pub images: Vec<&'a ImageInfo>,
}
