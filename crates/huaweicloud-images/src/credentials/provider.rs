//! Where a client gets credentials each time it signs: a [`ProvideCredentials`] behind a cache.
//!
//! The client's cache asks its provider only when it holds nothing, or when what it
//! holds is near its expiry: when less than [`DEFAULT_REFRESH_AHEAD`] (40 minutes, as the official
//! SDK) remains, or less than half the credentials' lifetime for short-lived ones, so that
//! credentials valid for 15 minutes are not fetched again on every call. One caller refreshes at a
//! time; every other caller that needs a refresh then waits for it and uses its result, so two
//! hundred calls at refresh time cost one request to the provider. If a refresh fails while the
//! cached credentials are still valid, they are used (and the provider asked again at most every
//! [`RETRY_FAILED_REFRESH_AFTER`]); credentials whose `expires_at` has passed are never used.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use super::Credentials;
use crate::{Error, Result};

/// What [`ProvideCredentials::provide_credentials`] returns.
pub type CredentialsFuture<'a> = Pin<Box<dyn Future<Output = Result<Credentials>> + Send + 'a>>;

/// How long before `expires_at` cached credentials are refreshed (the official SDK's 40 minutes);
/// for credentials that live less than twice as long, half their lifetime.
pub const DEFAULT_REFRESH_AHEAD: Duration = Duration::from_secs(40 * 60);

/// After a failed refresh, how long still-valid cached credentials are used before the provider is
/// asked again.
pub const RETRY_FAILED_REFRESH_AFTER: Duration = Duration::from_secs(10);

/// A source of credentials, asked again when the ones it gave near their
/// [`Credentials::expires_at`]. Implement it to plug in your own (a vault, a sidecar); pass it to
/// [`ClientBuilder::credentials_provider`](crate::ClientBuilder::credentials_provider).
///
/// ```
/// use huaweicloud_images::credentials::{CredentialsFuture, ProvideCredentials};
/// use huaweicloud_images::Credentials;
///
/// #[derive(Debug)]
/// struct FromVault;
///
/// impl ProvideCredentials for FromVault {
///     fn provide_credentials(&self) -> CredentialsFuture<'_> {
///         Box::pin(async {
///             let expires = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
///             Ok(Credentials::ak_sk("AK", "SK")?
///                 .with_security_token("TOKEN")?
///                 .with_expiry(expires))
///         })
///     }
/// }
/// let client = huaweicloud_images::Client::builder()
///     .credentials_provider(FromVault)
///     .project_id("a4da8115c9d8464ead3a38309130523f")
///     .build()?;
/// # Ok::<(), huaweicloud_images::Error>(())
/// ```
pub trait ProvideCredentials: fmt::Debug + Send + Sync {
    /// Fresh credentials. The client's cache calls it only when it needs to, one call at a time.
    ///
    /// # Errors
    /// Whatever kept the source from answering; [`Error::Credentials`] is the usual kind.
    fn provide_credentials(&self) -> CredentialsFuture<'_>;

    /// Whether the credentials may carry a bearer token (an IAM token, or the security token of
    /// temporary AK/SK): such a client is refused a plain `http://` endpoint on another host
    /// unless [`allow_tokens_over_http`](crate::ClientBuilder::allow_tokens_over_http). Defaults
    /// to `true`.
    fn may_carry_token(&self) -> bool {
        true
    }
}

/// Fixed credentials provide themselves.
impl ProvideCredentials for Credentials {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        let credentials = self.clone();
        Box::pin(async move { Ok(credentials) })
    }

    fn may_carry_token(&self) -> bool {
        self.is_auth_token() || self.is_temporary()
    }
}

/// Credentials as cached, with when they were obtained.
struct Cached {
    credentials: Arc<Credentials>,
    obtained: OffsetDateTime,
}

impl Cached {
    /// Whether they are still fresh at `now` (no refresh needed).
    fn is_fresh(&self, now: OffsetDateTime) -> bool {
        let Some(expires_at) = self.credentials.expires_at() else {
            return true;
        };
        let lifetime = (expires_at - self.obtained).max(time::Duration::ZERO);
        let ahead = time::Duration::try_from(DEFAULT_REFRESH_AHEAD)
            .unwrap_or(time::Duration::MAX)
            .min(lifetime / 2);
        expires_at - now > ahead
    }
}

/// Whether `credentials` may still be sent at `now`.
fn is_unexpired(credentials: &Credentials, now: OffsetDateTime) -> bool {
    credentials.expires_at().is_none_or(|at| now < at)
}

/// The credentials of one client: a provider behind a single-flight, refresh-ahead cache.
pub(crate) struct CredentialCache {
    provider: Arc<dyn ProvideCredentials>,
    current: RwLock<Option<Cached>>,
    /// Held by the one caller refreshing; the others wait on it, then find fresh credentials.
    refreshing: tokio::sync::Mutex<()>,
    last_failure: Mutex<Option<Instant>>,
}

impl fmt::Debug for CredentialCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("CredentialCache")
            .field("provider", &self.provider)
            .field("current", &current.as_ref().map(|c| &c.credentials))
            .finish()
    }
}

impl CredentialCache {
    pub(crate) fn new(provider: Arc<dyn ProvideCredentials>) -> Self {
        CredentialCache {
            provider,
            current: RwLock::new(None),
            refreshing: tokio::sync::Mutex::new(()),
            last_failure: Mutex::new(None),
        }
    }

    fn fresh(&self, now: OffsetDateTime) -> Option<Arc<Credentials>> {
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        current
            .as_ref()
            .filter(|cached| cached.is_fresh(now))
            .map(|cached| Arc::clone(&cached.credentials))
    }

    fn cached(&self) -> Option<Arc<Credentials>> {
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        current
            .as_ref()
            .map(|cached| Arc::clone(&cached.credentials))
    }

    /// Credentials to sign with now: the cached ones while fresh, else the provider's new ones.
    ///
    /// # Errors
    /// The provider's error when it fails and nothing unexpired is cached;
    /// [`Error::Credentials`] when it gives credentials that have already expired.
    pub(crate) async fn get(&self) -> Result<Arc<Credentials>> {
        if let Some(credentials) = self.fresh(OffsetDateTime::now_utc()) {
            return Ok(credentials);
        }
        let _refreshing = self.refreshing.lock().await;
        // Whoever held the lock before may have refreshed already.
        if let Some(credentials) = self.fresh(OffsetDateTime::now_utc()) {
            return Ok(credentials);
        }
        let cached = self
            .cached()
            .filter(|c| is_unexpired(c, OffsetDateTime::now_utc()));
        let failed_recently = self
            .last_failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some_and(|at| at.elapsed() < RETRY_FAILED_REFRESH_AFTER);
        if let (Some(credentials), true) = (&cached, failed_recently) {
            return Ok(Arc::clone(credentials));
        }
        tracing::debug!(provider = ?self.provider, "fetching credentials");
        let outcome = self.provider.provide_credentials().await;
        let now = OffsetDateTime::now_utc();
        match outcome {
            Ok(credentials) if is_unexpired(&credentials, now) => {
                let credentials = Arc::new(credentials);
                *self.current.write().unwrap_or_else(PoisonError::into_inner) = Some(Cached {
                    credentials: Arc::clone(&credentials),
                    obtained: now,
                });
                *self
                    .last_failure
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = None;
                Ok(credentials)
            }
            outcome => {
                let error = match outcome {
                    Ok(expired) => Error::credentials(format!(
                        "the credentials provider {:?} gave credentials that expired at {}",
                        self.provider,
                        expired
                            .expires_at()
                            .map_or_else(String::new, |t| t.to_string())
                    )),
                    Err(error) => error,
                };
                *self
                    .last_failure
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
                match cached.filter(|c| is_unexpired(c, now)) {
                    Some(credentials) => {
                        tracing::warn!(%error, "refreshing credentials failed; using the cached ones until they expire");
                        Ok(credentials)
                    }
                    None => Err(error),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    /// Hands out credentials living `lifetime`, counting the calls; fails while `failing`.
    #[derive(Debug)]
    struct Counting {
        calls: AtomicU32,
        lifetime: time::Duration,
        failing: std::sync::atomic::AtomicBool,
    }

    impl Counting {
        fn new(lifetime: time::Duration) -> Arc<Self> {
            Arc::new(Counting {
                calls: AtomicU32::new(0),
                lifetime,
                failing: false.into(),
            })
        }
    }

    impl ProvideCredentials for Counting {
        fn provide_credentials(&self) -> CredentialsFuture<'_> {
            Box::pin(async move {
                let n = self.calls.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
                if self.failing.load(Ordering::SeqCst) {
                    return Err(Error::credentials("down"));
                }
                Ok(Credentials::ak_sk(format!("AK{n}"), "SK")?
                    .with_security_token("T")?
                    .with_expiry(OffsetDateTime::now_utc() + self.lifetime))
            })
        }
    }

    #[tokio::test]
    async fn concurrent_callers_share_one_fetch() {
        let provider = Counting::new(time::Duration::hours(6));
        let cache = Arc::new(CredentialCache::new(provider.clone()));
        let calls = (0..200).map(|_| {
            let cache = Arc::clone(&cache);
            tokio::spawn(async move { cache.get().await.map(|c| c.ak().map(str::to_owned)) })
        });
        for call in futures::future::join_all(calls).await {
            assert_eq!(call.unwrap().unwrap().as_deref(), Some("AK0"));
        }
        assert_eq!(provider.calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn short_lived_credentials_are_refreshed_at_half_their_life_not_on_every_call() {
        let provider = Counting::new(time::Duration::milliseconds(400));
        let cache = CredentialCache::new(provider.clone());
        assert_eq!(cache.get().await.unwrap().ak(), Some("AK0"));
        assert_eq!(cache.get().await.unwrap().ak(), Some("AK0"), "still fresh");
        assert_eq!(provider.calls.load(Ordering::SeqCst), 1);
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert_eq!(cache.get().await.unwrap().ak(), Some("AK1"), "past half");
    }

    #[tokio::test]
    async fn a_failed_refresh_keeps_valid_credentials_and_never_expired_ones() {
        let provider = Counting::new(time::Duration::milliseconds(600));
        let cache = CredentialCache::new(provider.clone());
        cache.get().await.unwrap();
        provider.failing.store(true, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(350)).await;
        assert_eq!(cache.get().await.unwrap().ak(), Some("AK0"), "still valid");
        let asked = provider.calls.load(Ordering::SeqCst);
        assert_eq!(cache.get().await.unwrap().ak(), Some("AK0"));
        assert_eq!(
            provider.calls.load(Ordering::SeqCst),
            asked,
            "not asked again at once"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        let error = cache.get().await.unwrap_err();
        assert!(matches!(error, Error::Credentials(_)), "{error}");
    }

    #[tokio::test]
    async fn expired_credentials_from_the_provider_are_refused() {
        let provider = Counting::new(time::Duration::seconds(-1));
        let error = CredentialCache::new(provider).get().await.unwrap_err();
        assert!(error.to_string().contains("expired"), "{error}");
    }
}
