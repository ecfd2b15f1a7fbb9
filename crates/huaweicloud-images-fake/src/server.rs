//! The running server: a hyper HTTP/1 accept loop around the axum router.
//!
//! The loop is written out (instead of `axum::serve`) for one reason: [`Fault::ConnectionReset`]
//! must end a connection without any response. The per-connection service returns an error for a
//! response marked [`DropConnection`], which makes hyper drop the connection; beforehand `SO_LINGER` is
//! set to zero on a duplicate of the socket, so the close is a TCP RST rather than a FIN.

use std::convert::Infallible;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower::ServiceExt;

use crate::config::FakeConfig;
use crate::gateway::faults::{Fault, FaultScope};
use crate::gateway::log::RecordedRequest;
use crate::gateway::recording::DropConnection;
use crate::generated::operations::Operation;
use crate::router;
use crate::services::data::FakeData;
use crate::state::{AppState, SharedState};

/// How long [`FakeServer::shutdown`] waits for open connections (e.g. a slow body) to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The error that makes hyper drop a connection without responding.
#[derive(Debug)]
struct ConnectionDropped;

impl std::fmt::Display for ConnectionDropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection reset on purpose (Fault::ConnectionReset)")
    }
}

impl std::error::Error for ConnectionDropped {}

/// A running fake. Dropping it stops accepting connections; [`FakeServer::shutdown`] also waits for
/// open connections to finish.
pub struct FakeServer {
    addr: SocketAddr,
    scheme: &'static str,
    state: SharedState,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for FakeServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl FakeServer {
    /// Starts a server on `127.0.0.1` and a free port.
    pub async fn start(config: FakeConfig) -> io::Result<FakeServer> {
        FakeServer::start_on(config, 0).await
    }

    /// Starts a server on `127.0.0.1:port` (`0` picks a free port).
    pub async fn start_on(config: FakeConfig, port: u16) -> io::Result<FakeServer> {
        FakeServer::start_with(config, port, None).await
    }

    /// Starts a server on `127.0.0.1` and a free port that speaks HTTPS with `identity` (see
    /// [`TlsIdentity::test_localhost`] for one signed by [`TEST_CA_PEM`]). A
    /// [`Fault::ConnectionReset`] closes the connection with a TLS close, not a TCP reset.
    pub async fn start_tls(config: FakeConfig, identity: &TlsIdentity) -> io::Result<FakeServer> {
        FakeServer::start_tls_on(config, 0, identity).await
    }

    /// [`FakeServer::start_tls`] on `127.0.0.1:port` (`0` picks a free port).
    pub async fn start_tls_on(
        config: FakeConfig,
        port: u16,
        identity: &TlsIdentity,
    ) -> io::Result<FakeServer> {
        FakeServer::start_with(config, port, Some(identity.acceptor()?)).await
    }

    async fn start_with(
        config: FakeConfig,
        port: u16,
        tls: Option<tokio_rustls::TlsAcceptor>,
    ) -> io::Result<FakeServer> {
        let scheme = if tls.is_some() { "https" } else { "http" };
        for (name, item) in &config.seed_items {
            crate::services::memory::check_seed_item(name, item)
                .map_err(|reason| io::Error::new(io::ErrorKind::InvalidInput, reason))?;
        }
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(AppState::new(&config));
        for (name, item) in &config.seed_items {
            let spec = crate::services::memory::check_seed_item(name, item)
                .map_err(|reason| io::Error::new(io::ErrorKind::InvalidInput, reason))?;
            state
                .memory
                .add_seed(spec, item.clone())
                .map_err(|reason| io::Error::new(io::ErrorKind::InvalidInput, reason))?;
        }
        state.reset();
        let router = router::router(state.clone());
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(accept_loop(listener, router, stopped, tls));
        tracing::debug!(%addr, scheme, "fake server started");
        Ok(FakeServer {
            addr,
            scheme,
            state,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// The base URL, e.g. `http://127.0.0.1:40123` (`https://` when started with TLS; no
    /// trailing slash).
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Injects a fault for `op` (or every operation when `None`); see [`crate::faults`].
    pub fn inject(&self, fault: Fault, scope: FaultScope, op: Option<Operation>) {
        self.state.faults.inject(fault, scope, op);
    }

    /// Waits `latency` before handling each request from now on (`Duration::ZERO` to stop).
    pub fn set_latency(&self, latency: Duration) {
        self.state.set_latency(latency);
    }

    /// Sets the gateway's flow control (a token bucket per project and operation), or lifts it
    /// with `None`; every bucket starts full.
    pub fn set_throttle(&self, throttle: Option<crate::Throttle>) {
        self.state.throttle.set(throttle);
    }

    /// Makes image server `id` move through `steps` from now on (see [`crate::StatusStep`]):
    /// ShowImageServer and ListImageServers show its current status, and once a
    /// [`StatusStep::deleted`](crate::StatusStep::deleted) step is reached it is gone (404). The
    /// schedule follows tokio's clock (paused time included) and
    /// [`FakeServer::advance_status_clock`].
    pub fn script_status(&self, id: &str, steps: impl IntoIterator<Item = crate::StatusStep>) {
        self.state.statuses.set(id, steps.into_iter().collect());
    }

    /// Moves every status script on by `by`.
    pub fn advance_status_clock(&self, by: Duration) {
        self.state.statuses.advance(by);
    }

    /// Sets the gateway's clock `seconds` ahead of this machine's (negative: behind): it judges
    /// `X-Sdk-Date` by it and sends it as `Date`.
    pub fn set_clock_offset(&self, seconds: i64) {
        self.state.clock.set_offset(seconds);
    }

    /// The metadata service hands out new temporary credentials at the next request; the old
    /// ones stay accepted until they expire.
    pub fn rotate_temporary_credentials(&self) {
        self.state.temporary.rotate();
    }

    /// How long temporary credentials issued from now on live.
    pub fn set_temporary_credential_lifetime(&self, lifetime: Duration) {
        self.state.temporary.set_lifetime(lifetime);
    }

    /// Removes every injected fault (latency is kept; set it to zero separately).
    pub fn clear_faults(&self) {
        self.state.faults.clear();
    }

    /// The requests seen so far, oldest first (bounded by `request_log_capacity`).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.log.snapshot()
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        self.state.log.clear();
    }

    /// The objects the server was generated with (what writes do is in [`collection`](Self::collection)).
    pub fn data(&self) -> &FakeData {
        &self.state.data
    }

    /// The items of a remembered collection (`image_servers`, `image_server_jobs`, …: the
    /// `x-collections` of the spec) as they are now, writes included; empty for an unknown name.
    pub fn collection(&self, name: &str) -> Vec<serde_json::Value> {
        match crate::services::memory::collection(name) {
            Some(spec) => crate::services::remembered::current_items(&self.state, spec),
            None => Vec::new(),
        }
    }

    /// Stops accepting connections and waits (up to 5 s) for open ones to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take()
            && let Err(error) = task.await
        {
            tracing::warn!(%error, "fake server task failed");
        }
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    router: Router,
    mut stopped: oneshot::Receiver<()>,
    tls: Option<tokio_rustls::TlsAcceptor>,
) {
    let graceful = GracefulShutdown::new();
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => match &tls {
                    Some(acceptor) => serve_tls_connection(stream, acceptor.clone(), router.clone(), &graceful),
                    None => serve_connection(stream, router.clone(), &graceful),
                },
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
        }
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::debug!("fake server stopped with connections still open");
    }
}

/// A second descriptor of the same socket, used to turn the close into a reset.
fn duplicate(stream: TcpStream) -> io::Result<(TcpStream, std::net::TcpStream)> {
    let std_stream = stream.into_std()?;
    let duplicate = std_stream.try_clone()?;
    Ok((TcpStream::from_std(std_stream)?, duplicate))
}

fn serve_connection(stream: TcpStream, router: Router, graceful: &GracefulShutdown) {
    let (stream, duplicate) = match duplicate(stream) {
        Ok((stream, duplicate)) => (stream, Arc::new(duplicate)),
        Err(error) => {
            tracing::warn!(%error, "could not prepare the connection");
            return;
        }
    };
    let service = service_fn(move |request: hyper::Request<Incoming>| {
        let router = router.clone();
        let duplicate = duplicate.clone();
        async move {
            let response = router
                .oneshot(request)
                .await
                .unwrap_or_else(|never: Infallible| match never {});
            if response.extensions().get::<DropConnection>().is_some() {
                if let Err(error) =
                    socket2::SockRef::from(&*duplicate).set_linger(Some(Duration::ZERO))
                {
                    tracing::debug!(%error, "SO_LINGER not set; the connection closes with FIN");
                }
                return Err(ConnectionDropped);
            }
            Ok(response)
        }
    });
    let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    let connection = graceful.watch(connection);
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::debug!(%error, "connection ended with an error");
        }
    });
}

/// The test CA that signed [`TlsIdentity::test_localhost`] (PEM): trust it to reach a fake started
/// with [`FakeServer::start_tls`]. Test material only, public on purpose; never trust it anywhere
/// else.
pub const TEST_CA_PEM: &str = include_str!("../tls/ca.pem");

/// A certificate chain and its private key (PEM) for [`FakeServer::start_tls`].
#[derive(Clone)]
pub struct TlsIdentity {
    cert_chain_pem: Vec<u8>,
    key_pem: Vec<u8>,
}

impl std::fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsIdentity").finish_non_exhaustive()
    }
}

impl TlsIdentity {
    /// From PEM text: the certificate chain (leaf first) and a PKCS#8 private key.
    pub fn from_pem(cert_chain_pem: impl Into<Vec<u8>>, key_pem: impl Into<Vec<u8>>) -> Self {
        TlsIdentity {
            cert_chain_pem: cert_chain_pem.into(),
            key_pem: key_pem.into(),
        }
    }

    /// A certificate for `localhost` and `127.0.0.1`, signed by [`TEST_CA_PEM`] and valid for a
    /// century (test material, checked in under `tls/`).
    pub fn test_localhost() -> Self {
        TlsIdentity::from_pem(
            include_bytes!("../tls/server.pem").as_slice(),
            include_bytes!("../tls/server-key.pem").as_slice(),
        )
    }

    fn acceptor(&self) -> io::Result<tokio_rustls::TlsAcceptor> {
        use tokio_rustls::rustls::pki_types::pem::PemObject;
        use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let invalid = |what: String| io::Error::new(io::ErrorKind::InvalidInput, what);
        let chain = CertificateDer::pem_slice_iter(&self.cert_chain_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| invalid(format!("certificate chain: {e}")))?;
        let key = PrivateKeyDer::from_pem_slice(&self.key_pem)
            .map_err(|e| invalid(format!("private key: {e}")))?;
        let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(Arc::new(
            tokio_rustls::rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid(format!("TLS versions: {e}")))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| invalid(format!("certificate and key: {e}")))?;
        Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
    }
}

fn serve_tls_connection(
    stream: TcpStream,
    acceptor: tokio_rustls::TlsAcceptor,
    router: Router,
    graceful: &GracefulShutdown,
) {
    let watcher = graceful.watcher();
    tokio::spawn(async move {
        let stream = match acceptor.accept(stream).await {
            Ok(stream) => stream,
            Err(error) => {
                tracing::debug!(%error, "TLS handshake failed");
                return;
            }
        };
        let service = service_fn(move |request: hyper::Request<Incoming>| {
            let router = router.clone();
            async move {
                let response = router
                    .oneshot(request)
                    .await
                    .unwrap_or_else(|never: Infallible| match never {});
                if response.extensions().get::<DropConnection>().is_some() {
                    return Err(ConnectionDropped);
                }
                Ok(response)
            }
        });
        let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
        if let Err(error) = watcher.watch(connection).await {
            tracing::debug!(%error, "connection ended with an error");
        }
    });
}
