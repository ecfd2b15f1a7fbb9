//! Where a client gets credentials each time it signs: a [`ProvideCredentials`] behind a cache.
//!
//! The client's cache asks its provider only when it holds nothing, or when what it
//! holds is near its expiry: when less than [`DEFAULT_REFRESH_AHEAD`] (40 minutes, as the official
//! SDK) remains, or less than half the credentials' lifetime for short-lived ones, so that
//! credentials valid for 15 minutes are not fetched again on every call. One caller refreshes at a
//! time; every other caller that needs a refresh then waits for it and uses its result, so two
//! hundred calls at refresh time cost one request to the provider. While the cached credentials
//! are stale but still usable, the other callers use them instead of waiting; only with nothing
//! usable cached does every caller wait, and then a failure is handed to every caller that waited
//! for it (one request, one error). If a refresh fails while the cached credentials are still
//! usable, they are used (and the provider asked again at most every
//! [`RETRY_FAILED_REFRESH_AFTER`]).
//!
//! Expiry is judged by the client's signing clock (this machine's plus the offset the gateway
//! confirmed, see the client's clock-skew handling): near their expiry *there*, cached credentials
//! are refreshed, and in their last [`SAFETY_MARGIN`] they are no longer sent. What a provider has
//! just handed out, though, is never refused by a clock of the client's alone: a clock that is off
//! (this machine's, or an offset learnt from a gateway whose clock has since been corrected) must
//! not lock the client out. Such credentials are sent (with a warning), the gateway judges them,
//! and its refusal of the request time teaches the client its clock again; the provider is not
//! asked again for [`RETRY_FAILED_REFRESH_AFTER`] meanwhile. A provider has [`PROVIDER_TIMEOUT`]
//! to answer.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use super::keys::Credentials;
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
    fn lifetime(&self) -> time::Duration {
        self.credentials
            .expires_at()
            .map_or(time::Duration::MAX, |at| {
                (at - self.obtained).max(time::Duration::ZERO)
            })
    }

    /// Whether they are still fresh at `now` (no refresh needed).
    fn is_fresh(&self, now: OffsetDateTime) -> bool {
        let Some(expires_at) = self.credentials.expires_at() else {
            return true;
        };
        let ahead = time::Duration::try_from(DEFAULT_REFRESH_AHEAD)
            .unwrap_or(time::Duration::MAX)
            .min(self.lifetime() / 2);
        expires_at - now > ahead
    }

    /// Whether they may still be sent at `now`: more than [`SAFETY_MARGIN`] (or a quarter of a
    /// shorter lifetime) before `expires_at`, so that they are still valid when they arrive.
    fn is_usable(&self, now: OffsetDateTime) -> bool {
        let Some(expires_at) = self.credentials.expires_at() else {
            return true;
        };
        let margin = time::Duration::try_from(SAFETY_MARGIN)
            .unwrap_or(time::Duration::MAX)
            .min(self.lifetime() / 4);
        expires_at - now > margin
    }
}

/// How long before `expires_at` credentials stop being sent (a request signed now must still be
/// accepted when it arrives).
pub const SAFETY_MARGIN: Duration = Duration::from_secs(5);

/// The longest a provider may take to answer; past it, the refresh fails (and the cached
/// credentials, if still usable, are used).
pub const PROVIDER_TIMEOUT: Duration = Duration::from_secs(30);

/// The credentials of one client: a provider behind a single-flight, refresh-ahead cache.
pub(crate) struct CredentialCache {
    provider: Arc<dyn ProvideCredentials>,
    current: RwLock<Option<Cached>>,
    /// Held by the one caller asking the provider.
    refreshing: tokio::sync::Mutex<()>,
    /// How many times the provider answered, and the last failure (with when, and at which
    /// count): callers that waited for a failed attempt share its outcome instead of asking again.
    outcome: Mutex<Outcome>,
}

#[derive(Default)]
struct Outcome {
    asked: u64,
    failure: Option<(Instant, u64, String)>,
    /// When the provider last answered with credentials already due for a refresh by the
    /// signing clock: they are used, and it is not asked again, for
    /// [`RETRY_FAILED_REFRESH_AFTER`].
    stale_answer: Option<Instant>,
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

/// The message of a provider's error, to hand to every caller that waited for it.
fn message_of(error: &Error) -> String {
    match error {
        Error::Credentials(message) => message.clone(),
        other => other.to_string(),
    }
}

impl CredentialCache {
    pub(crate) fn new(provider: Arc<dyn ProvideCredentials>) -> Self {
        CredentialCache {
            provider,
            current: RwLock::new(None),
            refreshing: tokio::sync::Mutex::new(()),
            outcome: Mutex::new(Outcome::default()),
        }
    }

    fn outcome(&self) -> std::sync::MutexGuard<'_, Outcome> {
        self.outcome.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The cached credentials if `keep` says so.
    fn cached_if(&self, keep: impl Fn(&Cached) -> bool) -> Option<Arc<Credentials>> {
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        current
            .as_ref()
            .filter(|cached| keep(cached))
            .map(|cached| Arc::clone(&cached.credentials))
    }

    /// Credentials to sign with, `offset` being the signing clock's offset from this machine's:
    /// the cached ones while fresh; while they are stale but may still be sent, the cached ones for
    /// every caller but the one that refreshes; with nothing that may be sent, every caller waits
    /// for one request to the provider and shares its outcome.
    ///
    /// # Errors
    /// The provider's failure (or time-out) when nothing usable is cached.
    pub(crate) async fn get(&self, offset: time::Duration) -> Result<Arc<Credentials>> {
        let now = || crate::clock::at_offset(offset);
        if let Some(credentials) = self.cached_if(|c| c.is_fresh(now())) {
            return Ok(credentials);
        }
        let usable = self.cached_if(|c| c.is_usable(now()));
        let asked_before = self.outcome().asked;
        let _refreshing = match (&usable, self.refreshing.try_lock()) {
            (_, Ok(guard)) => guard,
            // Someone is refreshing: meanwhile the usable cached credentials do.
            (Some(credentials), Err(_)) => return Ok(Arc::clone(credentials)),
            (None, Err(_)) => self.refreshing.lock().await,
        };
        // Whoever held the lock before may have refreshed, or failed, already.
        if let Some(credentials) = self.cached_if(|c| c.is_fresh(now())) {
            return Ok(credentials);
        }
        let usable = self.cached_if(|c| c.is_usable(now()));
        {
            let outcome = self.outcome();
            // What the provider just handed out, due or not by the signing clock, until it is
            // worth asking again.
            if outcome
                .stale_answer
                .is_some_and(|at| at.elapsed() < RETRY_FAILED_REFRESH_AFTER)
                && let Some(credentials) = self.cached_if(|_| true)
            {
                return Ok(credentials);
            }
            if let Some((at, asked, message)) = &outcome.failure {
                let shared = *asked > asked_before;
                let recent = at.elapsed() < RETRY_FAILED_REFRESH_AFTER;
                match &usable {
                    Some(credentials) if recent => return Ok(Arc::clone(credentials)),
                    None if shared => return Err(Error::credentials(message.clone())),
                    _ => {}
                }
            }
        }
        tracing::debug!(provider = ?self.provider, "fetching credentials");
        let fetched =
            match tokio::time::timeout(PROVIDER_TIMEOUT, self.provider.provide_credentials()).await
            {
                Ok(fetched) => fetched,
                Err(_) => Err(Error::credentials(format!(
                    "the credentials provider {:?} did not answer within {PROVIDER_TIMEOUT:?}",
                    self.provider
                ))),
            };
        // Counted when done, so that every caller that arrived while it ran shares its outcome.
        let asked = {
            let mut outcome = self.outcome();
            outcome.asked += 1;
            outcome.asked
        };
        match fetched {
            Ok(credentials) => {
                let now = now();
                let cached = Cached {
                    credentials: Arc::new(credentials),
                    obtained: now,
                };
                let stale = !cached.is_fresh(now);
                if stale {
                    tracing::warn!(
                        expires_at = ?cached.credentials.expires_at(),
                        signing_clock = %now,
                        usable = cached.is_usable(now),
                        "the credentials provider gave credentials that are due for a refresh, or \
                         expired, by the client's clock; sending them: the gateway judges them"
                    );
                }
                let credentials = Arc::clone(&cached.credentials);
                *self.current.write().unwrap_or_else(PoisonError::into_inner) = Some(cached);
                let mut outcome = self.outcome();
                outcome.failure = None;
                outcome.stale_answer = stale.then(Instant::now);
                Ok(credentials)
            }
            Err(error) => {
                self.outcome().failure = Some((Instant::now(), asked, message_of(&error)));
                match self.cached_if(|c| c.is_usable(now())) {
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
        /// How far the provider's clock (the true time) is ahead of this machine's.
        skew: std::sync::Mutex<time::Duration>,
        failing: std::sync::atomic::AtomicBool,
        hang_after_first: std::sync::atomic::AtomicBool,
    }

    impl Counting {
        fn new(lifetime: time::Duration) -> Arc<Self> {
            Arc::new(Counting {
                calls: AtomicU32::new(0),
                lifetime,
                skew: std::sync::Mutex::new(time::Duration::ZERO),
                failing: false.into(),
                hang_after_first: false.into(),
            })
        }
    }

    impl ProvideCredentials for Counting {
        fn provide_credentials(&self) -> CredentialsFuture<'_> {
            Box::pin(async move {
                let n = self.calls.fetch_add(1, Ordering::SeqCst);
                if n > 0 && self.hang_after_first.load(Ordering::SeqCst) {
                    std::future::pending::<()>().await;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
                if self.failing.load(Ordering::SeqCst) {
                    return Err(Error::credentials("down"));
                }
                Ok(Credentials::ak_sk(format!("AK{n}"), "SK")?
                    .with_security_token("T")?
                    .with_expiry(
                        OffsetDateTime::now_utc() + *self.skew.lock().unwrap() + self.lifetime,
                    ))
            })
        }
    }

    /// Long-lived credentials are refreshed 40 minutes ahead (the official SDK's window): fresh
    /// 41 minutes before they expire, due 39 minutes before.
    #[test]
    fn long_lived_credentials_are_due_forty_minutes_ahead() {
        let now = OffsetDateTime::now_utc();
        let cached = |left: time::Duration| Cached {
            credentials: Arc::new(
                Credentials::ak_sk("AK", "SK")
                    .unwrap()
                    .with_security_token("T")
                    .unwrap()
                    .with_expiry(now + left),
            ),
            obtained: now + left - time::Duration::hours(6),
        };
        assert!(cached(time::Duration::minutes(41)).is_fresh(now));
        assert!(!cached(time::Duration::minutes(39)).is_fresh(now));
        assert!(cached(time::Duration::minutes(39)).is_usable(now));
        assert!(!cached(time::Duration::seconds(4)).is_usable(now));
    }

    /// Only credentials that carry a bearer secret (an IAM token, a security token) count as
    /// carrying a token; a provider whose credentials are unknown in advance is assumed to.
    #[test]
    fn which_credentials_carry_a_token() {
        let plain = Credentials::ak_sk("AK", "SK").unwrap();
        assert!(!plain.may_carry_token());
        assert!(
            plain
                .clone()
                .with_security_token("T")
                .unwrap()
                .may_carry_token()
        );
        assert!(Credentials::token("TOKEN").unwrap().may_carry_token());
        assert!(Counting::new(time::Duration::hours(1)).may_carry_token());
    }

    #[tokio::test]
    async fn concurrent_callers_share_one_fetch() {
        let provider = Counting::new(time::Duration::hours(6));
        let cache = Arc::new(CredentialCache::new(provider.clone()));
        let calls = (0..200).map(|_| {
            let cache = Arc::clone(&cache);
            tokio::spawn(async move {
                cache
                    .get(time::Duration::ZERO)
                    .await
                    .map(|c| c.ak().map(str::to_owned))
            })
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
        assert_eq!(
            cache.get(time::Duration::ZERO).await.unwrap().ak(),
            Some("AK0")
        );
        assert_eq!(
            cache.get(time::Duration::ZERO).await.unwrap().ak(),
            Some("AK0"),
            "still fresh"
        );
        assert_eq!(provider.calls.load(Ordering::SeqCst), 1);
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert_eq!(
            cache.get(time::Duration::ZERO).await.unwrap().ak(),
            Some("AK1"),
            "past half"
        );
    }

    #[tokio::test]
    async fn a_failed_refresh_keeps_valid_credentials_and_never_expired_ones() {
        let provider = Counting::new(time::Duration::milliseconds(600));
        let cache = CredentialCache::new(provider.clone());
        cache.get(time::Duration::ZERO).await.unwrap();
        provider.failing.store(true, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(350)).await;
        assert_eq!(
            cache.get(time::Duration::ZERO).await.unwrap().ak(),
            Some("AK0"),
            "still valid"
        );
        let asked = provider.calls.load(Ordering::SeqCst);
        assert_eq!(
            cache.get(time::Duration::ZERO).await.unwrap().ak(),
            Some("AK0")
        );
        assert_eq!(
            provider.calls.load(Ordering::SeqCst),
            asked,
            "not asked again at once"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        let error = cache.get(time::Duration::ZERO).await.unwrap_err();
        assert!(matches!(error, Error::Credentials(_)), "{error}");
    }

    #[tokio::test]
    async fn what_the_provider_just_gave_is_sent_even_if_expired_by_the_clients_clock() {
        // This machine's clock is 20 minutes fast and nothing is learnt yet: the provider's
        // 15-minute credentials look expired here. Refusing them would send nothing, and the
        // gateway's refusal that teaches the clock would never come.
        let provider = Counting::new(time::Duration::minutes(15));
        *provider.skew.lock().unwrap() = time::Duration::minutes(-20);
        let cache = CredentialCache::new(provider.clone());
        assert_eq!(
            cache.get(time::Duration::ZERO).await.unwrap().ak(),
            Some("AK0")
        );
        assert_eq!(
            cache.get(time::Duration::ZERO).await.unwrap().ak(),
            Some("AK0"),
            "not asked again at once"
        );
        assert_eq!(provider.calls.load(Ordering::SeqCst), 1);
        // Once the offset is learnt (-20 min), they are fresh.
        let learnt = time::Duration::minutes(-20);
        assert!(
            cache
                .cached_if(|c| c.is_fresh(crate::clock::at_offset(learnt)))
                .is_some()
        );
    }

    #[tokio::test]
    async fn a_slow_machine_with_its_offset_learnt_does_not_refresh_on_every_call() {
        // This machine's clock is an hour slow, the offset learnt; the provider's 15-minute
        // credentials are fresh by the signing clock.
        let provider = Counting::new(time::Duration::minutes(15));
        *provider.skew.lock().unwrap() = time::Duration::hours(1);
        let cache = CredentialCache::new(provider.clone());
        let learnt = time::Duration::hours(1);
        cache.get(learnt).await.unwrap();
        assert!(
            cache.outcome().stale_answer.is_none(),
            "fresh when they arrive: no warning, no early refresh"
        );
        assert!(
            cache
                .cached_if(|c| c.is_fresh(crate::clock::at_offset(learnt)))
                .is_some()
        );
    }

    #[tokio::test]
    async fn cached_credentials_expired_by_the_confirmed_clock_are_not_sent_when_the_refresh_fails()
    {
        let provider = Counting::new(time::Duration::hours(1));
        let cache = CredentialCache::new(provider.clone());
        cache.get(time::Duration::ZERO).await.unwrap();
        provider.failing.store(true, Ordering::SeqCst);
        // The gateway's clock, confirmed, is two hours ahead: the cached credentials expired there.
        let error = cache.get(time::Duration::hours(2)).await.unwrap_err();
        assert!(matches!(error, Error::Credentials(_)), "{error}");
        assert_eq!(provider.calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn callers_waiting_for_a_failed_fetch_share_its_failure() {
        let provider = Counting::new(time::Duration::hours(6));
        provider.failing.store(true, Ordering::SeqCst);
        let cache = Arc::new(CredentialCache::new(provider.clone()));
        let calls = (0..200).map(|_| {
            let cache = Arc::clone(&cache);
            tokio::spawn(async move { cache.get(time::Duration::ZERO).await.is_err() })
        });
        for failed in futures::future::join_all(calls).await {
            assert!(failed.unwrap());
        }
        assert_eq!(
            provider.calls.load(Ordering::SeqCst),
            1,
            "one request, one error"
        );
        // A later call asks again (the source may be back).
        assert!(cache.get(time::Duration::ZERO).await.is_err());
        assert_eq!(provider.calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_hanging_refresh_blocks_no_one_while_the_cached_credentials_are_usable() {
        let provider = Counting::new(time::Duration::milliseconds(400));
        provider.hang_after_first.store(true, Ordering::SeqCst);
        let cache = Arc::new(CredentialCache::new(provider.clone()));
        cache.get(time::Duration::ZERO).await.unwrap();
        tokio::time::sleep(Duration::from_millis(250)).await;
        let refresher = {
            let cache = Arc::clone(&cache);
            tokio::spawn(async move { cache.get(time::Duration::ZERO).await })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        let meanwhile =
            tokio::time::timeout(Duration::from_millis(50), cache.get(time::Duration::ZERO))
                .await
                .expect("not blocked by the refresh")
                .unwrap();
        assert_eq!(meanwhile.ak(), Some("AK0"));
        refresher.abort();
    }

    #[tokio::test]
    async fn a_refresh_is_judged_by_the_signing_clock_but_fresh_credentials_are_sent() {
        let provider = Counting::new(time::Duration::hours(1));
        let cache = CredentialCache::new(provider.clone());
        cache.get(time::Duration::ZERO).await.unwrap();
        // The gateway's clock, as learnt, is two hours ahead: these credentials are expired there.
        let ahead = time::Duration::hours(2);
        let credentials = cache.get(ahead).await.unwrap();
        assert_eq!(
            provider.calls.load(Ordering::SeqCst),
            2,
            "asked again: due for a refresh by the signing clock"
        );
        assert_eq!(
            credentials.ak(),
            Some("AK1"),
            "what the provider just gave is sent: never refused by a clock of the client's alone"
        );
        cache.get(ahead).await.unwrap();
        assert_eq!(
            provider.calls.load(Ordering::SeqCst),
            2,
            "not asked again at once for the same answer"
        );
    }

    #[tokio::test]
    async fn a_day_of_learnt_offset_does_not_lock_out_six_hour_credentials() {
        // An offset learnt from a gateway whose clock was a day ahead for a moment.
        let provider = Counting::new(time::Duration::hours(6));
        let cache = CredentialCache::new(provider.clone());
        let day = time::Duration::days(1);
        assert_eq!(cache.get(day).await.unwrap().ak(), Some("AK0"));
        assert_eq!(cache.get(day).await.unwrap().ak(), Some("AK0"));
        assert_eq!(
            cache.get(time::Duration::ZERO).await.unwrap().ak(),
            Some("AK0"),
            "the offset corrected, the same credentials are fresh"
        );
    }
}
