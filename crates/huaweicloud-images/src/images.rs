//! Workspace product images: `ListImages`.

use std::ops::RangeInclusive;

use huaweicloud_images_api::workspace;

use crate::blocking;
use crate::client::{Client, Operation};
use crate::error::Result;
use crate::flavour::{Async, Blocking, Flavour};
use crate::listing::{self, ListQuery};
use crate::models::{
    Architecture, ImageInfo, ListImagesResponse, OsType, ProductImageType, SortField, SortType,
};
use crate::paginate::{Paginator, RawPage};
use crate::validate;

/// `limit` of ListImages: 0 to 100, default 100.
const LIMIT_RANGE: RangeInclusive<u32> = 0..=100;
/// A page of 0 items never makes progress, so the paginator's page size starts at 1.
const PAGE_SIZE_RANGE: RangeInclusive<u32> = 1..=100;
const DEFAULT_LIMIT: u32 = 100;

/// Product images of Workspace; from [`Client::images`].
#[derive(Debug)]
pub struct Images<'c, F = Async> {
    pub(crate) client: &'c Client,
    pub(crate) flavour: F,
}

impl<F: Flavour> Images<'_, F> {
    /// `ListImages`: a request to refine with filters and sorting, then `send` (one page) or
    /// `paginate` (everything).
    pub fn list(&self) -> ListImages<F> {
        ListImages {
            client: self.client.clone(),
            flavour: self.flavour.clone(),
            query: Query::default(),
        }
    }
}

/// The filters and sorting of ListImages.
#[derive(Clone, Debug, Default)]
struct Query {
    os_type: Option<OsType>,
    image_type: Option<ProductImageType>,
    platform: Option<String>,
    architecture: Option<Architecture>,
    package_type: Option<String>,
    image_id: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
    sort_field: Option<SortField>,
    sort_type: Option<SortType>,
}

/// A `ListImages` request; from [`Images::list`].
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
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until sent or paginated"]
pub struct ListImages<F = Async> {
    client: Client,
    flavour: F,
    query: Query,
}

impl<F: Flavour> ListImages<F> {
    /// OS type, e.g. [`OsType::Windows`] (any other value is sent as given: `"Kylin".into()`).
    pub fn os_type(mut self, os_type: impl Into<OsType>) -> Self {
        self.query.os_type = Some(os_type.into());
        self
    }

    /// Image type: [`ProductImageType::Gold`] (public) or [`ProductImageType::Private`].
    pub fn image_type(mut self, image_type: impl Into<ProductImageType>) -> Self {
        self.query.image_type = Some(image_type.into());
        self
    }

    /// Image OS, e.g. `Windows`.
    pub fn platform(mut self, platform: impl Into<String>) -> Self {
        self.query.platform = Some(platform.into());
        self
    }

    /// Architecture, e.g. [`Architecture::X86`].
    pub fn architecture(mut self, architecture: impl Into<Architecture>) -> Self {
        self.query.architecture = Some(architecture.into());
        self
    }

    /// Package series.
    pub fn package_type(mut self, package_type: impl Into<String>) -> Self {
        self.query.package_type = Some(package_type.into());
        self
    }

    /// One image by id.
    pub fn image_id(mut self, image_id: impl Into<String>) -> Self {
        self.query.image_id = Some(image_id.into());
        self
    }

    /// Sort by `field` (default `name`) in `order` (default ascending).
    pub fn sort(mut self, field: SortField, order: SortType) -> Self {
        self.query.sort_field = Some(field);
        self.query.sort_type = Some(order);
        self
    }

    /// Sort field alone (`name` or `created_at`).
    pub fn sort_field(mut self, field: impl Into<SortField>) -> Self {
        self.query.sort_field = Some(field.into());
        self
    }

    /// Sort order alone (`asc` or `desc`).
    pub fn sort_type(mut self, order: impl Into<SortType>) -> Self {
        self.query.sort_type = Some(order.into());
        self
    }

    /// Records per page, 0 to 100 (default 100); with `paginate`, the page size (1 to 100, until
    /// [`Paginator::page_size`] changes it).
    pub fn limit(mut self, limit: u32) -> Self {
        self.query.limit = Some(limit);
        self
    }

    /// Offset of the first record (default 0); with `paginate`, where the listing starts.
    pub fn offset(mut self, offset: u64) -> Self {
        self.query.offset = Some(offset);
        self
    }
}

impl ListImages<Async> {
    /// Sends the request: one page, `total_count` being the total.
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] (before any I/O) for a limit outside 0..=100 or an offset
    /// past `i32::MAX`; otherwise the call's errors.
    pub async fn send(self) -> Result<ListImagesResponse> {
        send(&self.client, &self.query).await
    }

    /// Every image matching the filters, in the requested order, page by page, starting at this
    /// request's `offset` with its `limit` as the page size (the paginator's `start_offset` /
    /// `page_size` change them).
    pub fn paginate(self) -> Paginator<ImageInfo> {
        listing::paginator(self.client, self.query)
    }
}

impl ListImages<Blocking> {
    /// Sends the request, blocking. See the async `send`.
    ///
    /// # Errors
    /// As for the async call.
    pub fn send(self) -> Result<ListImagesResponse> {
        let Self {
            client,
            flavour,
            query,
        } = self;
        flavour.run(async move { send(&client, &query).await })?
    }

    /// Every image matching the filters, as blocking iterators.
    pub fn paginate(self) -> blocking::Paginator<ImageInfo> {
        blocking::Paginator::new(listing::paginator(self.client, self.query), self.flavour)
    }
}

impl ListQuery for Query {
    type Item = ImageInfo;
    type Response = ListImagesResponse;
    const OPERATION: Operation = Operation::LIST_IMAGES;
    const PAGE_SIZES: RangeInclusive<u32> = PAGE_SIZE_RANGE;
    const DEFAULT_PAGE_SIZE: u32 = DEFAULT_LIMIT;

    fn start_offset(&self) -> u64 {
        self.offset.unwrap_or(0)
    }

    fn page_size(&self) -> Option<u32> {
        self.limit
    }

    fn at(&self, offset: u64, limit: u32) -> Self {
        Self {
            offset: Some(offset),
            limit: Some(limit),
            ..self.clone()
        }
    }

    async fn send(self, client: Client) -> Result<ListImagesResponse> {
        send(&client, &self).await
    }

    fn into_page(response: ListImagesResponse) -> RawPage<ImageInfo> {
        RawPage {
            items: response.images.unwrap_or_default(),
            total: listing::total(response.total_count),
        }
    }

    fn key(item: &ImageInfo) -> Option<String> {
        item.id.clone()
    }
}

async fn send(client: &Client, query: &Query) -> Result<ListImagesResponse> {
    if let Some(limit) = query.limit {
        validate::limit("limit", limit, LIMIT_RANGE)?;
    }
    let offset = query.offset.map(validate::offset).transpose()?;
    // Validated within 0..=100 above, so it fits.
    let limit = query.limit.map(|l| i32::try_from(l).unwrap_or(i32::MAX));
    for (field, value) in [
        ("platform", &query.platform),
        ("package_type", &query.package_type),
        ("image_id", &query.image_id),
    ] {
        if let Some(value) = value {
            validate::query_text(field, value)?;
        }
    }
    let project_id = client.project_id().to_string();
    let q = query.clone();
    client
        .call(Operation::LIST_IMAGES, |hooks, base, http| {
            let api = workspace::Client::new_with_client(base, http, hooks);
            async move {
                let mut request = api.list_images().project_id(project_id);
                if let Some(v) = q.os_type {
                    request = request.os_type(v);
                }
                if let Some(v) = q.image_type {
                    request = request.image_type(v);
                }
                if let Some(v) = q.platform {
                    request = request.platform(v);
                }
                if let Some(v) = q.architecture {
                    request = request.architecture(v);
                }
                if let Some(v) = q.package_type {
                    request = request.package_type(v);
                }
                if let Some(v) = q.image_id {
                    request = request.image_id(v);
                }
                if let Some(v) = limit {
                    request = request.limit(v);
                }
                if let Some(v) = offset {
                    request = request.offset(v);
                }
                if let Some(v) = q.sort_field {
                    request = request.sort_field(v);
                }
                if let Some(v) = q.sort_type {
                    request = request.sort_type(v);
                }
                request.send().await
            }
        })
        .await
}
