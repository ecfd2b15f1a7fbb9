//! The HTTP client a [`Client`](crate::Client) builds for itself: connect time-out, proxies, extra
//! CA certificates, and (for test environments only) skipping certificate checks.
//!
//! Proxies, highest first: the one given to the builder ([`ClientBuilder::proxy`](crate::ClientBuilder::proxy)); else the
//! standard variables read through the builder's environment function: `HTTPS_PROXY` for `https://`
//! URLs, `HTTP_PROXY` for `http://` ones (not the upper-case one when `REQUEST_METHOD` is set: under
//! CGI it is a request header, "httpoxy"), `ALL_PROXY` for both (each also in lower case, which
//! wins, as in curl), with `NO_PROXY` (`no_proxy`) exceptions: a comma-separated list of hosts, domains
//! (`.example.com` or `example.com` for its subdomains too), IP addresses and CIDR blocks, or `*`.
//! A proxy URL may carry `user:password@`; [`ProxyConfig::credentials`] sets them apart from it.
//! Redirects are never followed.

use std::fmt;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::{Error, Result};

/// A proxy every request goes through (unless [`ProxyConfig::no_proxy`] exempts its host).
///
/// ```
/// use huaweicloud_images::ProxyConfig;
/// let proxy = ProxyConfig::new("http://proxy.corp.example:3128")
///     .credentials("alice", "s3cret")
///     .no_proxy("localhost,127.0.0.1,.internal.example");
/// assert!(!format!("{proxy:?}").contains("s3cret"));
/// ```
#[derive(Clone)]
pub struct ProxyConfig {
    url: String,
    credentials: Option<(String, SecretString)>,
    no_proxy: Option<String>,
}

impl ProxyConfig {
    /// Requests go through the proxy at `url` (`http://host:port`; `https://` for a TLS proxy).
    pub fn new(url: impl Into<String>) -> ProxyConfig {
        ProxyConfig {
            url: url.into(),
            credentials: None,
            no_proxy: None,
        }
    }

    /// Authenticates to the proxy with `Proxy-Authorization: Basic`.
    pub fn credentials(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.credentials = Some((user.into(), SecretString::from(password.into())));
        self
    }

    /// Hosts reached directly, in `NO_PROXY` syntax (see the [module docs](self)).
    pub fn no_proxy(mut self, list: impl Into<String>) -> Self {
        self.no_proxy = Some(list.into());
        self
    }
}

impl fmt::Debug for ProxyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyConfig")
            .field("url", &redact_url(&self.url))
            .field("user", &self.credentials.as_ref().map(|(user, _)| user))
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

/// `url` without its password (a proxy URL may carry one, with or without a scheme: reqwest
/// takes `user:password@host:port` as `http://`).
fn redact_url(url: &str) -> String {
    let with_scheme;
    let url = if url.contains("://") {
        url
    } else {
        with_scheme = format!("http://{url}");
        &with_scheme
    };
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            parsed.to_string()
        }
        Err(_) => "<not a URL>".to_owned(),
    }
}

/// How the client's own HTTP client is built (see [`ClientBuilder`](crate::ClientBuilder)).
#[derive(Clone, Debug)]
pub(crate) struct NetworkOptions {
    pub(crate) connect_timeout: Duration,
    pub(crate) proxy: Option<ProxyConfig>,
    /// PEM bundles of extra CA certificates, trusted beside the built-in roots.
    pub(crate) extra_roots: Vec<Vec<u8>>,
    pub(crate) accept_invalid_certs: bool,
}

impl Default for NetworkOptions {
    fn default() -> Self {
        NetworkOptions {
            connect_timeout: Duration::from_secs(10),
            proxy: None,
            extra_roots: Vec::new(),
            accept_invalid_certs: false,
        }
    }
}

/// Makes a proxy for one kind of URL (`reqwest::Proxy::http`, `::https`, `::all`).
type MakeProxy = fn(&str) -> reqwest::Result<reqwest::Proxy>;

/// The first set, non-empty of `names`.
fn first_set(env: &dyn Fn(&str) -> Option<String>, names: &[&str]) -> Option<(String, String)> {
    names.iter().find_map(|name| {
        crate::env_vars::non_empty(env, name).map(|value| ((*name).to_owned(), value))
    })
}

/// reqwest's message may quote the URL, which may hold a password: the error names the source only.
fn proxy_error(what: &str) -> Error {
    Error::config(format!(
        "{what} is not a usable proxy URL (expected http://[user:password@]host:port)"
    ))
}

fn no_proxy_list(list: Option<&str>) -> Option<reqwest::NoProxy> {
    list.and_then(reqwest::NoProxy::from_string)
}

/// Whether this build can call `url`: an `https://` one needs a TLS feature (`rustls`, the
/// default, or `native-tls`); without one it is refused when the client is built, rather than
/// failing every call as a connection error.
pub(crate) fn check_tls_for(url: &str) -> Result<()> {
    let https = url
        .get(..8)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"));
    if https && !cfg!(any(feature = "rustls", feature = "native-tls")) {
        return Err(Error::config(format!(
            "the endpoint {url} is https://, and this build of huaweicloud-images has no TLS: \
             enable its `rustls` or its `native-tls` feature"
        )));
    }
    Ok(())
}

impl NetworkOptions {
    /// The HTTP client, with proxies from the options or else from `env`.
    pub(crate) fn build(&self, env: &dyn Fn(&str) -> Option<String>) -> Result<reqwest::Client> {
        // Never follow redirects: a signed request cannot pass elsewhere anyway, and reqwest
        // would carry X-Auth-Token and X-Security-Token to the other host.
        let mut builder = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            // Proxies come only from here, so that the environment function decides.
            .no_proxy();
        for proxy in self.proxies(env)? {
            builder = builder.proxy(proxy);
        }
        #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
        if !self.extra_roots.is_empty() || self.accept_invalid_certs {
            return Err(Error::config(
                "CA certificates and certificate checks need TLS: enable the `rustls` or the \
                 `native-tls` feature of huaweicloud-images",
            ));
        }
        #[cfg(any(feature = "rustls", feature = "native-tls"))]
        for (index, pem) in self.extra_roots.iter().enumerate() {
            let certificates = reqwest::Certificate::from_pem_bundle(pem)
                .ok()
                .filter(|certificates| !certificates.is_empty())
                .ok_or_else(|| {
                    Error::config(format!(
                        "CA bundle {} of {} holds no PEM certificate",
                        index + 1,
                        self.extra_roots.len()
                    ))
                })?;
            for certificate in certificates {
                builder = builder.add_root_certificate(certificate);
            }
        }
        #[cfg(any(feature = "rustls", feature = "native-tls"))]
        if self.accept_invalid_certs {
            tracing::warn!(
                "TLS certificate checks are OFF (danger_accept_invalid_certs): anyone on the \
                 path can read and change requests; use this only against test servers"
            );
            builder = builder.danger_accept_invalid_certs(true);
        }
        builder
            .build()
            .map_err(|e| Error::config(format!("cannot build the HTTP client: {e}")))
    }

    fn proxies(&self, env: &dyn Fn(&str) -> Option<String>) -> Result<Vec<reqwest::Proxy>> {
        if let Some(config) = &self.proxy {
            let mut proxy = reqwest::Proxy::all(config.url.as_str())
                .map_err(|_| proxy_error("ClientBuilder::proxy"))?;
            if let Some((user, password)) = &config.credentials {
                proxy = proxy.basic_auth(user, password.expose_secret());
            }
            return Ok(vec![
                proxy.no_proxy(no_proxy_list(config.no_proxy.as_deref())),
            ]);
        }
        let no_proxy = first_set(env, &["no_proxy", "NO_PROXY"]).map(|(_, list)| list);
        let mut proxies = Vec::new();
        // Under CGI, `HTTP_PROXY` is the request's `Proxy:` header (httpoxy): not a proxy setting.
        let http_names: &[&str] = if crate::env_vars::non_empty(env, "REQUEST_METHOD").is_some() {
            &["http_proxy"]
        } else {
            &["http_proxy", "HTTP_PROXY"]
        };
        let kinds: [(&[&str], MakeProxy); 3] = [
            (&["https_proxy", "HTTPS_PROXY"], |u| {
                reqwest::Proxy::https(u)
            }),
            (http_names, |u| reqwest::Proxy::http(u)),
            (&["all_proxy", "ALL_PROXY"], |u| reqwest::Proxy::all(u)),
        ];
        for (names, make) in kinds {
            if let Some((name, url)) = first_set(env, names) {
                let proxy = make(&url).map_err(|_| proxy_error(&name))?;
                tracing::debug!(variable = name, "using a proxy from the environment");
                proxies.push(proxy.no_proxy(no_proxy_list(no_proxy.as_deref())));
            }
        }
        Ok(proxies)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_proxy_url_is_a_clear_error_without_the_password() {
        let options = NetworkOptions {
            proxy: Some(ProxyConfig::new("not a url with s3cret")),
            ..NetworkOptions::default()
        };
        let error = options.build(&|_| None).unwrap_err().to_string();
        assert!(error.contains("ClientBuilder::proxy"), "{error}");
        assert!(!error.contains("s3cret"), "{error}");
        let env = |name: &str| (name == "HTTPS_PROXY").then(|| "::".to_owned());
        let error = NetworkOptions::default()
            .build(&env)
            .unwrap_err()
            .to_string();
        assert!(error.contains("HTTPS_PROXY"), "{error}");
    }

    #[test]
    fn under_cgi_the_http_proxy_variable_is_ignored() {
        let cgi = |name: &str| match name {
            "REQUEST_METHOD" => Some("GET".to_owned()),
            "HTTP_PROXY" => Some("http://attacker.example:8080".to_owned()),
            _ => None,
        };
        assert!(NetworkOptions::default().proxies(&cgi).unwrap().is_empty());
        let plain = |name: &str| (name == "HTTP_PROXY").then(|| "http://proxy:3128".to_owned());
        assert_eq!(NetworkOptions::default().proxies(&plain).unwrap().len(), 1);
    }

    /// Built without TLS (`--no-default-features`): CA options and https:// endpoints are refused
    /// with the feature to enable, not silently ignored; plain clients build. `.ci/run` runs this.
    #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
    #[test]
    fn without_tls_the_ca_options_are_refused_and_plain_clients_build() {
        assert!(NetworkOptions::default().build(&|_| None).is_ok());
        assert!(check_tls_for("http://127.0.0.1:8080").is_ok());
        for url in [
            "https://iam.cn-north-4.myhuaweicloud.com",
            "HTTPS://a.example",
        ] {
            let error = check_tls_for(url).unwrap_err().to_string();
            assert!(
                error.contains("`rustls` or its `native-tls` feature"),
                "{error}"
            );
        }
        for options in [
            NetworkOptions {
                extra_roots: vec![b"-----BEGIN CERTIFICATE-----".to_vec()],
                ..NetworkOptions::default()
            },
            NetworkOptions {
                accept_invalid_certs: true,
                ..NetworkOptions::default()
            },
        ] {
            let error = options.build(&|_| None).unwrap_err().to_string();
            assert!(
                error.contains("`rustls` or the `native-tls` feature"),
                "{error}"
            );
        }
    }

    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    #[test]
    fn with_tls_https_endpoints_are_callable() {
        assert!(check_tls_for("https://iam.cn-north-4.myhuaweicloud.com").is_ok());
        assert!(check_tls_for("http://127.0.0.1:8080").is_ok());
    }

    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    #[test]
    fn a_ca_bundle_without_certificates_is_refused() {
        let options = NetworkOptions {
            extra_roots: vec![b"not pem".to_vec()],
            ..NetworkOptions::default()
        };
        let error = options.build(&|_| None).unwrap_err().to_string();
        assert!(error.contains("CA bundle 1 of 1"), "{error}");
    }

    #[test]
    fn debug_hides_the_proxy_password() {
        let shown = format!(
            "{:?}",
            ProxyConfig::new("http://bob:hunter2@proxy:3128").credentials("alice", "s3cret")
        );
        assert!(
            !shown.contains("hunter2") && !shown.contains("s3cret"),
            "{shown}"
        );
        assert!(shown.contains("alice"), "{shown}");
        let schemeless = format!("{:?}", ProxyConfig::new("alice:s3cret@proxy.corp:3128"));
        assert!(!schemeless.contains("s3cret"), "{schemeless}");
        let garbage = format!("{:?}", ProxyConfig::new("::s3cret::"));
        assert!(!garbage.contains("s3cret"), "{garbage}");
    }
}
