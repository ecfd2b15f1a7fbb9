//! The models of the four operations, as generated from `spec/` (re-exported from the generated
//! crate). Every field is optional; enums are open: documented values are variants, anything else
//! is kept in `Unknown(String)`.

pub use huaweicloud_images_api::modelarts::types::DevServerImage;
pub use huaweicloud_images_api::workspace::types::{
    Architecture, DiskFormat, ImageInfo, ListImagesResponse, OsType, ProductImageType, SortField,
    SortType,
};
pub use huaweicloud_images_api::workspaceapp::types::{
    AccountType, ImageAccountInfo, ImageRef, ImageServer, ImageServerStatus, ImageSourceType,
    ListImageServersResponse,
};
