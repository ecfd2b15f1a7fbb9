//! WorkspaceApp image servers: `ListImageServers` and `ShowImageServer`.

use std::ops::RangeInclusive;

use huaweicloud_images_api::workspaceapp;

use crate::blocking;
use crate::client::{Client, Operation};
use crate::error::Result;
use crate::flavour::{Async, Blocking, Flavour};
use crate::listing::{self, ListQuery};
use crate::models::{ImageServer, ListImageServersResponse};
use crate::paginate::{Paginator, RawPage};
use crate::validate;

/// `limit` of ListImageServers: 1 to 100, default 10.
const LIMIT_RANGE: RangeInclusive<u32> = 1..=100;
const DEFAULT_LIMIT: u32 = 10;

/// Image servers (image instances) of WorkspaceApp; from [`Client::image_servers`].
#[derive(Debug)]
pub struct ImageServers<'c, F = Async> {
    pub(crate) client: &'c Client,
    pub(crate) flavour: F,
}

impl<F: Flavour> ImageServers<'_, F> {
    /// `ListImageServers`: a request to refine with filters, then `send` (one page) or
    /// `paginate` (everything).
    pub fn list(&self) -> ListImageServers<F> {
        ListImageServers {
            client: self.client.clone(),
            flavour: self.flavour.clone(),
            query: Query::default(),
        }
    }
}

impl ImageServers<'_, Async> {
    /// `ShowImageServer`: one image server by id.
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] (before any I/O) for an empty id or `.`/`..`; otherwise
    /// the call's errors, e.g. [`crate::Error::Api`] with status 404 for an unknown id.
    pub async fn get(&self, server_id: &str) -> Result<ImageServer> {
        show(self.client, server_id).await
    }
}

impl ImageServers<'_, Blocking> {
    /// `ShowImageServer`, blocking. See [`ImageServers::get`](ImageServers#method.get).
    ///
    /// # Errors
    /// As for the async call.
    pub fn get(&self, server_id: &str) -> Result<ImageServer> {
        let (client, server_id) = (self.client.clone(), server_id.to_string());
        self.flavour
            .run(async move { show(&client, &server_id).await })?
    }
}

async fn show(client: &Client, server_id: &str) -> Result<ImageServer> {
    validate::path_id("server_id", server_id)?;
    let project_id = client.project_id().to_string();
    let server_id = server_id.to_string();
    client
        .call(Operation::SHOW_IMAGE_SERVER, |hooks, base, http| {
            let api = workspaceapp::Client::new_with_client(base, http, hooks);
            async move {
                api.show_image_server()
                    .project_id(project_id)
                    .server_id(server_id)
                    .send()
                    .await
            }
        })
        .await
}

/// The filters of ListImageServers.
#[derive(Clone, Debug, Default)]
struct Query {
    offset: Option<u64>,
    limit: Option<u32>,
    server_name: Option<String>,
    server_id: Option<String>,
    enterprise_project_id: Option<String>,
}

/// A `ListImageServers` request; from [`ImageServers::list`].
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until sent or paginated"]
pub struct ListImageServers<F = Async> {
    client: Client,
    flavour: F,
    query: Query,
}

impl<F: Flavour> ListImageServers<F> {
    /// Image instance name, partial match.
    pub fn server_name(mut self, name: impl Into<String>) -> Self {
        self.query.server_name = Some(name.into());
        self
    }

    /// Unique ID of the image instance.
    pub fn server_id(mut self, id: impl Into<String>) -> Self {
        self.query.server_id = Some(id.into());
        self
    }

    /// Enterprise project ID (blank or `0`: the default enterprise project).
    pub fn enterprise_project_id(mut self, id: impl Into<String>) -> Self {
        self.query.enterprise_project_id = Some(id.into());
        self
    }

    /// Offset of the first record (default 0); with `paginate`, where the listing starts.
    pub fn offset(mut self, offset: u64) -> Self {
        self.query.offset = Some(offset);
        self
    }

    /// Records per page, 1 to 100 (default 10); with `paginate`, the page size (until
    /// [`Paginator::page_size`] changes it).
    pub fn limit(mut self, limit: u32) -> Self {
        self.query.limit = Some(limit);
        self
    }
}

impl ListImageServers<Async> {
    /// Sends the request: one page, `count` being the total.
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] (before any I/O) for a limit outside 1..=100 or an offset
    /// past `i32::MAX`; otherwise the call's errors.
    pub async fn send(self) -> Result<ListImageServersResponse> {
        send(&self.client, &self.query).await
    }

    /// Every image server matching the filters, page by page, starting at this request's `offset`
    /// with its `limit` as the page size (the paginator's `start_offset`/`page_size` change them).
    ///
    /// ```
    /// use futures::TryStreamExt;
    /// # use huaweicloud_images_fake::{FAKE_AK, FAKE_PROJECT_ID, FAKE_SK, FakeConfig, FakeServer};
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let fake = FakeServer::start(FakeConfig { image_servers: 250, images: 40, ..FakeConfig::default() }).await?;
    /// # let client = huaweicloud_images::Client::builder()
    /// #     .credentials(huaweicloud_images::Credentials::ak_sk(FAKE_AK, FAKE_SK)?)
    /// #     .project_id(FAKE_PROJECT_ID)
    /// #     .endpoint_for_all(fake.base_url())
    /// #     .build()?;
    /// let mut servers = client.image_servers().list().server_name("test_instance").paginate().items();
    /// while let Some(server) = servers.try_next().await? {
    ///     println!("{:?} {:?}", server.id, server.status);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn paginate(self) -> Paginator<ImageServer> {
        listing::paginator(self.client, self.query)
    }
}

impl ListImageServers<Blocking> {
    /// Sends the request, blocking. See the async `send`.
    ///
    /// # Errors
    /// As for the async call.
    pub fn send(self) -> Result<ListImageServersResponse> {
        let Self {
            client,
            flavour,
            query,
        } = self;
        flavour.run(async move { send(&client, &query).await })?
    }

    /// Every image server matching the filters, as blocking iterators.
    pub fn paginate(self) -> blocking::Paginator<ImageServer> {
        blocking::Paginator::new(listing::paginator(self.client, self.query), self.flavour)
    }
}

impl ListQuery for Query {
    type Item = ImageServer;
    type Response = ListImageServersResponse;
    const OPERATION: Operation = Operation::LIST_IMAGE_SERVERS;
    const PAGE_SIZES: RangeInclusive<u32> = LIMIT_RANGE;
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

    async fn send(self, client: Client) -> Result<ListImageServersResponse> {
        send(&client, &self).await
    }

    fn into_page(response: ListImageServersResponse) -> RawPage<ImageServer> {
        RawPage {
            items: response.items.unwrap_or_default(),
            total: listing::total(response.count),
        }
    }

    fn key(item: &ImageServer) -> Option<String> {
        item.id.clone()
    }
}

async fn send(client: &Client, query: &Query) -> Result<ListImageServersResponse> {
    if let Some(limit) = query.limit {
        validate::limit("limit", limit, LIMIT_RANGE)?;
    }
    let offset = query.offset.map(validate::offset).transpose()?;
    for (field, value) in [
        ("server_name", &query.server_name),
        ("server_id", &query.server_id),
        ("enterprise_project_id", &query.enterprise_project_id),
    ] {
        if let Some(value) = value {
            validate::query_text(field, value)?;
        }
    }
    let project_id = client.project_id().to_string();
    let query = query.clone();
    client
        .call(Operation::LIST_IMAGE_SERVERS, |hooks, base, http| {
            let api = workspaceapp::Client::new_with_client(base, http, hooks);
            async move {
                let mut request = api.list_image_servers().project_id(project_id);
                if let Some(offset) = offset {
                    request = request.offset(offset);
                }
                if let Some(limit) = query.limit {
                    request = request.limit(limit);
                }
                if let Some(v) = query.server_name {
                    request = request.server_name(v);
                }
                if let Some(v) = query.server_id {
                    request = request.server_id(v);
                }
                if let Some(v) = query.enterprise_project_id {
                    request = request.enterprise_project_id(v);
                }
                request.send().await
            }
        })
        .await
}
