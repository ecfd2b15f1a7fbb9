//! Hand-written conveniences on top of the generated request builders: only what adds real value
//! over the generated setters.

use crate::flavour::Flavour;
use crate::generated::ListImages;
use crate::generated::models::{SortField, SortType};

impl<F: Flavour> ListImages<F> {
    /// Sorts by `field` in `order`: [`sort_field`](Self::sort_field) and
    /// [`sort_type`](Self::sort_type) in one call, since the service reads them together.
    ///
    /// ```
    /// use huaweicloud_images::models::{OsType, SortField, SortType};
    /// # use huaweicloud_images_fake::{FAKE_AK, FAKE_PROJECT_ID, FAKE_SK, FakeConfig, FakeServer};
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let fake = FakeServer::start(FakeConfig { image_servers: 250, images: 40, ..FakeConfig::default() }).await?;
    /// # let client = huaweicloud_images::Client::builder()
    /// #     .credentials(huaweicloud_images::Credentials::ak_sk(FAKE_AK, FAKE_SK)?)
    /// #     .project_id(FAKE_PROJECT_ID)
    /// #     .endpoint_for_all(fake.base_url())
    /// #     .build()?;
    /// let newest_linux = client
    ///     .images()
    ///     .list()
    ///     .os_type(OsType::Linux)
    ///     .sort(SortField::CreatedAt, SortType::Desc)
    ///     .paginate()
    ///     .max_items(5)
    ///     .collect_all()
    ///     .await?;
    /// assert!(newest_linux.iter().all(|image| image.os_type == Some(OsType::Linux)));
    /// assert!(newest_linux.windows(2).all(|w| w[0].created_at >= w[1].created_at));
    /// # Ok(())
    /// # }
    /// ```
    pub fn sort(self, field: SortField, order: SortType) -> Self {
        self.sort_field(field).sort_type(order)
    }
}
