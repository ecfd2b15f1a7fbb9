//! Plain `http://` to another host: credentials that carry a token (a bearer secret) are refused
//! there unless the user allows it; for AK/SK alone (only a signature travels) a warning.

use crate::error::{Error, Result};
use crate::region::Endpoint;

/// Whether `endpoint` is plain `http://` to a host other than this machine.
fn is_cleartext_to_another_host(endpoint: &Endpoint) -> bool {
    let Ok(url) = url::Url::parse(endpoint.url()) else {
        return false;
    };
    let loopback = match url.host() {
        Some(url::Host::Domain(name)) => name == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    url.scheme() == "http" && !loopback
}

/// Plain `http://` to another host: refused for credentials that carry a token (a bearer secret)
/// unless `allowed`; for AK/SK alone (only a signature travels) a warning.
pub(super) fn check_cleartext(
    endpoint: &Endpoint,
    carries_token: bool,
    allowed: bool,
) -> Result<()> {
    if !is_cleartext_to_another_host(endpoint) {
        return Ok(());
    }
    if carries_token && !allowed {
        return Err(Error::config(format!(
            "the endpoint {} is plain http:// to another host, and the credentials carry a token \
             that would travel in clear text; use https://, or call \
             ClientBuilder::allow_tokens_over_http(true) if this network is trusted",
            endpoint.url()
        )));
    }
    tracing::warn!(
        endpoint = endpoint.url(),
        "plain http:// endpoint on a non-loopback host: requests travel unencrypted"
    );
    Ok(())
}
