//! ModelArts Lite Server images: `GetDevServerImage`.

use huaweicloud_images_api::modelarts;

use crate::client::{Client, Operation};
use crate::error::{Error, Result};
use crate::flavour::{Async, Blocking};
use crate::models::DevServerImage;

/// Lite Server (dev-server) images of ModelArts; from [`Client::dev_server_images`].
#[derive(Debug)]
pub struct DevServerImages<'c, F = Async> {
    pub(crate) client: &'c Client,
    pub(crate) flavour: F,
}

impl DevServerImages<'_, Async> {
    /// `GetDevServerImage`: one image by id.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (before any I/O) when `id` is not a lowercase UUID as the API
    /// documents (`^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`);
    /// otherwise the call's errors.
    pub async fn get(&self, id: &str) -> Result<DevServerImage> {
        get(self.client, id).await
    }
}

impl DevServerImages<'_, Blocking> {
    /// `GetDevServerImage`, blocking. See the async `get`.
    ///
    /// # Errors
    /// As for the async call.
    pub fn get(&self, id: &str) -> Result<DevServerImage> {
        let (client, id) = (self.client.clone(), id.to_string());
        self.flavour.run(async move { get(&client, &id).await })?
    }
}

async fn get(client: &Client, id: &str) -> Result<DevServerImage> {
    // The generated newtypes carry the spec's patterns: checking them here, before the call,
    // reports the field by name instead of progenitor's generic "invalid request".
    let id = modelarts::types::GetDevServerImageId::try_from(id).map_err(|_| {
        Error::invalid(
            "id",
            format!("{id:?} is not a lowercase UUID (8-4-4-4-12 hex digits, version 1-5)"),
        )
    })?;
    let project_id = modelarts::types::GetDevServerImageProjectId::try_from(client.project_id())
        .map_err(|_| Error::invalid("project_id", "must be 1 to 64 letters, digits and '-'"))?;
    client
        .call(Operation::GET_DEV_SERVER_IMAGE, |hooks, base, http| {
            let api = modelarts::Client::new_with_client(base, http, hooks);
            async move {
                api.get_dev_server_image()
                    .project_id(project_id)
                    .id(id)
                    .send()
                    .await
            }
        })
        .await
}
