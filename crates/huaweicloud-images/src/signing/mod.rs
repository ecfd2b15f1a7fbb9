//! AK/SK request signing (`SDK-HMAC-SHA256`), byte-equal to the official Huawei Cloud SDKs.
//!
//! The rules follow `huaweicloudsdkcore` 3.1.219 (`signer/signer.py`); the fixture
//! `tests/fixtures/signing_vectors.json` holds values produced by that signer, and its README lists
//! where the official SDK differs from what one might expect.
//!
//! In short, for a request about to be sent:
//! 1. `X-Sdk-Date` is set to the signing time (UTC, `YYYYMMDDTHHMMSSZ`) and any `Authorization`
//!    left over from an earlier attempt is removed.
//! 2. The query is rewritten to its canonical form (pairs sorted by decoded key then value, each
//!    percent-encoded keeping only `A-Z a-z 0-9 - _ . ~`), so the bytes sent are the bytes signed.
//! 3. Every header whose name has no `_`, plus `host`, is signed (lower-case name, trimmed value).
//! 4. `Authorization: SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<names>, Signature=<hex>`.
//!
//! The secret key only ever goes into the HMAC; nothing here formats or logs it.

use std::collections::BTreeMap;

use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use reqwest::Request;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HOST, HeaderName, HeaderValue};
use sha2::{Digest, Sha256};
use time::{OffsetDateTime, UtcOffset};
use url::form_urlencoded;

use crate::{Error, Result};

/// The algorithm name that starts the string to sign and the `Authorization` value.
const ALGORITHM: &str = "SDK-HMAC-SHA256";
/// The header carrying the signing time.
const X_SDK_DATE: HeaderName = HeaderName::from_static("x-sdk-date");
/// The header that, when present on a request with a body, replaces the body hash.
const X_SDK_CONTENT_SHA256: HeaderName = HeaderName::from_static("x-sdk-content-sha256");
/// Its value for bodies that are not JSON or BSON (what the official signer sets).
const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// Everything but the unreserved characters of RFC 3986 (`A-Z a-z 0-9 - _ . ~`) is encoded.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The parts of a request that its signature covers, already in canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CanonicalParts {
    /// The HTTP method as sent (`GET`).
    pub(crate) method: String,
    /// See [`canonical_uri`].
    pub(crate) uri: String,
    /// See [`canonical_query`]; also the query that is sent.
    pub(crate) query: String,
    /// Signed headers: lower-case name → trimmed value, sorted by name.
    pub(crate) headers: BTreeMap<String, String>,
    /// Hex SHA-256 of the body, or the value of `X-Sdk-Content-Sha256`.
    pub(crate) payload_hash: String,
    /// The `X-Sdk-Date` value.
    pub(crate) sdk_date: String,
}

/// Signs `req` in place with the access key `ak` and secret key `sk` at time `date`.
///
/// Sets `X-Sdk-Date` and `Authorization` (replacing any earlier ones), rewrites the URL's query to
/// its canonical form and trims the signed header values. Safe to call again on a clone of an
/// already signed request (for a retry): the old signature is neither kept nor signed.
/// On error the request is left half-prepared and must not be sent.
pub(crate) fn sign_request(
    req: &mut Request,
    ak: &str,
    sk: &str,
    date: OffsetDateTime,
) -> Result<()> {
    if ak.is_empty() {
        return Err(Error::config("the access key (AK) is empty"));
    }
    if sk.is_empty() {
        return Err(Error::config("the secret key (SK) is empty"));
    }
    let parts = prepare(req, date)?;
    let canonical = canonical_request(&parts);
    let signature = signature(sk, &string_to_sign(&parts.sdk_date, &canonical))?;
    let mut value =
        HeaderValue::try_from(authorization(ak, &parts.headers, &signature)).map_err(|_| {
            Error::config("the access key (AK) contains characters not allowed in an HTTP header")
        })?;
    value.set_sensitive(true);
    req.headers_mut().insert(AUTHORIZATION, value);
    Ok(())
}

/// Makes `req` ready to sign (date, query, header values) and returns its canonical parts.
pub(crate) fn prepare(req: &mut Request, date: OffsetDateTime) -> Result<CanonicalParts> {
    let sdk_date = format_sdk_date(date)?;
    let headers = req.headers_mut();
    headers.remove(AUTHORIZATION);
    let date_value = HeaderValue::try_from(sdk_date.as_str())
        .map_err(|_| Error::invalid("date", "cannot be written as an X-Sdk-Date header"))?;
    headers.insert(X_SDK_DATE, date_value);
    if let Some(content_type) = headers.get(CONTENT_TYPE) {
        let ct = content_type.as_bytes();
        if !ct.is_empty()
            && !ct.starts_with(b"application/json")
            && !ct.starts_with(b"application/bson")
        {
            headers.insert(
                X_SDK_CONTENT_SHA256,
                HeaderValue::from_static(UNSIGNED_PAYLOAD),
            );
        }
    }

    let query = canonical_query(req.url().query().unwrap_or(""));
    req.url_mut()
        .set_query(if query.is_empty() { None } else { Some(&query) });
    let uri = canonical_uri(req.url().path());

    let mut signed = signed_header_values(req)?;
    if !signed.contains_key(HOST.as_str()) {
        signed.insert(HOST.as_str().to_owned(), host_of(req.url())?);
    }

    let body = match req.body() {
        None => &[][..],
        Some(body) => body.as_bytes().ok_or_else(|| {
            Error::invalid(
                "body",
                "a streaming body cannot be signed; send it as bytes",
            )
        })?,
    };
    let payload_hash = match signed.get(X_SDK_CONTENT_SHA256.as_str()) {
        Some(declared) if !body.is_empty() => declared.clone(),
        _ => hex::encode(Sha256::digest(body)),
    };

    Ok(CanonicalParts {
        method: req.method().as_str().to_owned(),
        uri,
        query,
        headers: signed,
        payload_hash,
        sdk_date,
    })
}

/// Canonical URI: percent-decode `path` (invalid UTF-8 becomes U+FFFD), split it on `/`, encode
/// each segment keeping only unreserved characters, and end it with `/`.
///
/// An encoded slash (`%2F`) inside a segment is decoded first, so it becomes a separator here,
/// exactly as in the official signer.
pub(crate) fn canonical_uri(path: &str) -> String {
    let decoded = percent_decode_str(path).decode_utf8_lossy();
    let mut uri = decoded
        .split('/')
        .map(|segment| utf8_percent_encode(segment, UNRESERVED).to_string())
        .collect::<Vec<_>>()
        .join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// Canonical query from a query string in `application/x-www-form-urlencoded` form (`+` is a
/// space): pairs sorted by decoded key then decoded value (byte order), each side encoded keeping
/// only unreserved characters, `key=value` joined with `&`. A key without `=` gets an empty value.
pub(crate) fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(key, value)| {
            format!(
                "{}={}",
                utf8_percent_encode(key, UNRESERVED),
                utf8_percent_encode(value, UNRESERVED)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The canonical request: method, URI, query, `name:value` lines (then a blank line), signed
/// header names, payload hash — joined with `\n`.
pub(crate) fn canonical_request(parts: &CanonicalParts) -> String {
    let header_lines: String = parts
        .headers
        .iter()
        .map(|(name, value)| format!("{name}:{value}\n"))
        .collect();
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        parts.method,
        parts.uri,
        parts.query,
        header_lines,
        signed_headers(&parts.headers),
        parts.payload_hash
    )
}

/// The `SignedHeaders` list: header names joined with `;` (the map keeps them sorted).
pub(crate) fn signed_headers(headers: &BTreeMap<String, String>) -> String {
    headers
        .keys()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(";")
}

/// `SDK-HMAC-SHA256\n<X-Sdk-Date>\n<hex SHA-256 of the canonical request>`.
pub(crate) fn string_to_sign(sdk_date: &str, canonical_request: &str) -> String {
    let hash = hex::encode(Sha256::digest(canonical_request.as_bytes()));
    format!("{ALGORITHM}\n{sdk_date}\n{hash}")
}

/// Hex HMAC-SHA256 of `string_to_sign` keyed with the secret key's bytes.
pub(crate) fn signature(sk: &str, string_to_sign: &str) -> Result<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(sk.as_bytes())
        .map_err(|_| Error::config("the secret key (SK) cannot be used as an HMAC key"))?;
    mac.update(string_to_sign.as_bytes());
    Ok(hex::encode(mac.finalize().into_bytes()))
}

/// The `Authorization` header value.
pub(crate) fn authorization(
    ak: &str,
    headers: &BTreeMap<String, String>,
    signature: &str,
) -> String {
    format!(
        "{ALGORITHM} Access={ak}, SignedHeaders={}, Signature={signature}",
        signed_headers(headers)
    )
}

/// `date` in UTC as `YYYYMMDDTHHMMSSZ`.
fn format_sdk_date(date: OffsetDateTime) -> Result<String> {
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    date.checked_to_offset(UtcOffset::UTC)
        .and_then(|utc| utc.format(format).ok())
        .ok_or_else(|| Error::invalid("date", "cannot be written as an X-Sdk-Date"))
}

/// The headers to sign (names without `_`), with their values trimmed on the request as well, so
/// that what is sent is what was signed.
fn signed_header_values(req: &mut Request) -> Result<BTreeMap<String, String>> {
    let mut signed = BTreeMap::new();
    let mut retrimmed = Vec::new();
    let headers = req.headers();
    for name in headers.keys() {
        if name.as_str().contains('_') {
            continue;
        }
        let mut values = headers.get_all(name).iter();
        let (Some(value), None) = (values.next(), values.next()) else {
            return Err(Error::invalid(
                "headers",
                format!("header `{name}` appears more than once; join its values before signing"),
            ));
        };
        let text = std::str::from_utf8(value.as_bytes()).map_err(|_| {
            Error::invalid(
                "headers",
                format!("the value of header `{name}` is not UTF-8 text, so it cannot be signed"),
            )
        })?;
        let trimmed = text.trim();
        if trimmed.len() != text.len() {
            let mut new_value = HeaderValue::try_from(trimmed).map_err(|_| {
                Error::invalid("headers", format!("header `{name}` has an invalid value"))
            })?;
            new_value.set_sensitive(value.is_sensitive());
            retrimmed.push((name.clone(), new_value));
        }
        signed.insert(name.as_str().to_owned(), trimmed.to_owned());
    }
    for (name, value) in retrimmed {
        req.headers_mut().insert(name, value);
    }
    Ok(signed)
}

/// The `Host` value the HTTP stack will send: the URL's host, with the port only when the URL has
/// a non-default one (the `url` crate drops default ports, and so does the HTTP stack).
fn host_of(url: &url::Url) -> Result<String> {
    let host = url
        .host_str()
        .ok_or_else(|| Error::invalid("url", "has no host, so the request cannot be signed"))?;
    Ok(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

#[cfg(test)]
mod tests;
