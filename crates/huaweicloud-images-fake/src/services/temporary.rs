//! The temporary credentials the metadata service issues, and its session tokens. The same
//! credentials are handed out until less than half their lifetime remains (or a rotation is
//! asked for, [`crate::FakeServer::rotate_temporary_credentials`]), then new ones; every pair
//! issued is accepted by the gateway, with its security token, until its `expires_at` (by the
//! gateway's clock).

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use time::OffsetDateTime;

use crate::gateway::auth::Temporary;

/// How many issued credential pairs are remembered (the oldest are forgotten, then refused).
const MAX_ISSUED: usize = 256;

/// How many metadata session tokens are remembered (then the set starts over).
const MAX_SESSIONS: usize = 1024;

/// The temporary credentials the metadata service issues, and its session tokens.
pub(crate) struct Issuer {
    lifetime_millis: AtomicU64,
    rotate: AtomicBool,
    issued: Mutex<Vec<Temporary>>,
    sessions: Mutex<HashSet<String>>,
    counter: AtomicU64,
    nonce: u64,
    /// What a reset goes back to.
    initial: Duration,
}

impl Issuer {
    pub(crate) fn new(lifetime: Duration) -> Self {
        Issuer {
            lifetime_millis: AtomicU64::new(
                u64::try_from(lifetime.as_millis()).unwrap_or(u64::MAX),
            ),
            rotate: AtomicBool::new(false),
            issued: Mutex::new(Vec::new()),
            sessions: Mutex::new(HashSet::new()),
            counter: AtomicU64::new(0),
            nonce: rand::random(),
            initial: lifetime,
        }
    }

    /// How long newly issued credentials live.
    pub(crate) fn set_lifetime(&self, lifetime: Duration) {
        let millis = u64::try_from(lifetime.as_millis()).unwrap_or(u64::MAX);
        self.lifetime_millis.store(millis.max(1), Ordering::Relaxed);
    }

    /// The next security-key request gets new credentials (the old ones stay valid until they
    /// expire).
    pub(crate) fn rotate(&self) {
        self.rotate.store(true, Ordering::Relaxed);
    }

    /// Back to the start (a reset): the configured lifetime, no pair or session.
    pub(crate) fn clear(&self) {
        self.set_lifetime(self.initial);
        self.issued
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        self.sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        self.rotate.store(false, Ordering::Relaxed);
    }

    fn lifetime(&self) -> time::Duration {
        let millis = self.lifetime_millis.load(Ordering::Relaxed);
        time::Duration::milliseconds(i64::try_from(millis).unwrap_or(i64::MAX))
    }

    /// A new session token, remembered.
    pub(crate) fn new_session(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let token = format!("metadataSession{:016x}{n:08}", self.nonce);
        let mut sessions = self.sessions.lock().unwrap_or_else(PoisonError::into_inner);
        if sessions.len() >= MAX_SESSIONS {
            sessions.clear();
        }
        sessions.insert(token.clone());
        token
    }

    /// Whether `token` is a session token handed out.
    pub(crate) fn knows_session(&self, token: &str) -> bool {
        self.sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(token)
    }

    /// The pair to hand out at `now` (the gateway's time): the current one while more than half
    /// its life remains.
    pub(crate) fn current_or_new(&self, now: OffsetDateTime) -> Temporary {
        let lifetime = self.lifetime();
        let mut issued = self.issued.lock().unwrap_or_else(PoisonError::into_inner);
        let rotate = self.rotate.swap(false, Ordering::Relaxed);
        if let Some(last) = issued.last()
            && !rotate
            && last.expires_at - now > lifetime / 2
        {
            return last.clone();
        }
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let fresh = Temporary {
            access: format!("TMPAK{:08X}{n:06}", self.nonce as u32),
            secret: format!("tmpSecret{:016x}{n:08}", self.nonce),
            security_token: format!("tmpSecurityToken{:016x}{n:08}", self.nonce.rotate_left(17)),
            expires_at: now.checked_add(lifetime).unwrap_or(now),
        };
        if issued.len() >= MAX_ISSUED {
            issued.remove(0);
        }
        issued.push(fresh.clone());
        fresh
    }

    /// The issued pair with this access key, if any.
    pub(crate) fn find(&self, access: &str) -> Option<Temporary> {
        let issued = self.issued.lock().unwrap_or_else(PoisonError::into_inner);
        issued.iter().find(|t| t.access == access).cloned()
    }
}
