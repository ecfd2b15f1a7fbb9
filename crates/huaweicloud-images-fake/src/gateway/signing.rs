//! The `SDK-HMAC-SHA256` algorithm, written from REFERENCE.md's description (not from any SDK's code).
//!
//! These are the server's side of the algorithm: they start from the request as received (raw path,
//! raw query string, header bytes). Percent-decoded bytes that are not UTF-8 become U+FFFD before
//! re-encoding, as the official Python signer's `unquote` does. A `+` in the query string is a literal
//! plus (encoded `%2B`), never a space: this is why a client that sends `+` for a space while signing
//! `%20` fails with `APIGW.0301`, here as at the real gateway.

use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use sha2::{Digest, Sha256};

/// The algorithm name that starts the `Authorization` header and the string to sign.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";
/// Hex SHA-256 of the empty string: the payload hash of a request without a body.
pub const EMPTY_BODY_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/// The header a client may set to `UNSIGNED-PAYLOAD` to leave a non-empty body out of the signature.
pub const CONTENT_SHA256_HEADER: &str = "x-sdk-content-sha256";
/// The value of [`CONTENT_SHA256_HEADER`] that is used instead of the body's hash.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// Everything but `A-Z a-z 0-9 - _ . ~` is percent-encoded.
const ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn decode(raw: &str) -> String {
    percent_decode_str(raw).decode_utf8_lossy().into_owned()
}

fn encode(text: &str) -> String {
    utf8_percent_encode(text, ENCODE).to_string()
}

/// Canonical URI: decode the path, split on `/`, re-encode each segment, re-join, end with `/`.
pub fn canonical_uri(raw_path: &str) -> String {
    let decoded = decode(raw_path);
    let mut uri = decoded.split('/').map(encode).collect::<Vec<_>>().join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// Canonical query: decode each `key=value` pair (a pair without `=` has an empty value), sort by key
/// then value, re-encode both, join with `&`. Empty pairs (`&&`) are skipped.
pub fn canonical_query(raw_query: &str) -> String {
    let mut pairs: Vec<(String, String)> = raw_query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(key), decode(value))
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(key, value)| format!("{}={}", encode(key), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Hex SHA-256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// The payload hash line: the empty-string hash for no body; else `UNSIGNED-PAYLOAD` when the client
/// asked for it with [`CONTENT_SHA256_HEADER`]; else the body's hash.
pub fn payload_hash(body: &[u8], content_sha256_header: Option<&str>) -> String {
    if body.is_empty() {
        EMPTY_BODY_SHA256.to_owned()
    } else if content_sha256_header == Some(UNSIGNED_PAYLOAD) {
        UNSIGNED_PAYLOAD.to_owned()
    } else {
        sha256_hex(body)
    }
}

/// The parts of a request the signature covers, as received.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    /// HTTP method, e.g. `GET`.
    pub method: &'a str,
    /// The path as received (still percent-encoded).
    pub raw_path: &'a str,
    /// The query string as received, without `?` (empty when there is none).
    pub raw_query: &'a str,
    /// `(lower-case name, value)` of each signed header, in `SignedHeaders` order; values untrimmed.
    pub signed_headers: &'a [(String, String)],
    /// The payload hash line (see [`payload_hash`]).
    pub payload_hash: &'a str,
}

/// The canonical request: method, URI, query, `name:trimmed-value` lines (each ending in a newline),
/// the `;`-joined signed-header names and the payload hash, joined by newlines.
pub fn canonical_request(request: &SignedRequest<'_>) -> String {
    let headers: String = request
        .signed_headers
        .iter()
        .map(|(name, value)| format!("{name}:{}\n", value.trim()))
        .collect();
    let names: Vec<&str> = request
        .signed_headers
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        request.method,
        canonical_uri(request.raw_path),
        canonical_query(request.raw_query),
        headers,
        names.join(";"),
        request.payload_hash
    )
}

/// `SDK-HMAC-SHA256\n<X-Sdk-Date>\n<hex SHA-256 of the canonical request>`.
pub fn string_to_sign(sdk_date: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{sdk_date}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

fn mac(secret_key: &str, string_to_sign: &str) -> Hmac<Sha256> {
    // HMAC takes keys of any length, so `new_from_slice` cannot fail here.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret_key.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(string_to_sign.as_bytes());
    mac
}

/// Hex HMAC-SHA256 of the string to sign, keyed with the secret key.
pub fn signature(secret_key: &str, string_to_sign: &str) -> String {
    hex::encode(mac(secret_key, string_to_sign).finalize().into_bytes())
}

/// Whether `signature_hex` is the signature of `string_to_sign` (compared in constant time).
pub fn verify(secret_key: &str, string_to_sign: &str, signature_hex: &str) -> bool {
    match hex::decode(signature_hex) {
        Ok(bytes) => mac(secret_key, string_to_sign).verify_slice(&bytes).is_ok(),
        Err(_) => false,
    }
}

/// The fields of an `Authorization: SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The access key (AK).
    pub access: String,
    /// The signed header names, as listed.
    pub signed_headers: Vec<String>,
    /// The hex signature.
    pub signature: String,
}

impl Authorization {
    /// Parses the header value; `None` when it is not an `SDK-HMAC-SHA256` authorization with all
    /// three fields.
    pub fn parse(value: &str) -> Option<Authorization> {
        let (algorithm, rest) = value.trim().split_once(' ')?;
        if algorithm != ALGORITHM {
            return None;
        }
        let (mut access, mut signed_headers, mut signature) = (None, None, None);
        for field in rest.split(',') {
            let (key, value) = field.trim().split_once('=')?;
            let slot = match key {
                "Access" => &mut access,
                "SignedHeaders" => &mut signed_headers,
                "Signature" => &mut signature,
                _ => return None,
            };
            if slot.replace(value.to_owned()).is_some() {
                return None;
            }
        }
        let signed_headers: String = signed_headers?;
        let names = if signed_headers.is_empty() {
            Vec::new()
        } else {
            signed_headers.split(';').map(str::to_owned).collect()
        };
        Some(Authorization {
            access: access?,
            signed_headers: names,
            signature: signature?,
        })
    }

    /// The header value for these fields.
    pub fn header_value(&self) -> String {
        format!(
            "{ALGORITHM} Access={}, SignedHeaders={}, Signature={}",
            self.access,
            self.signed_headers.join(";"),
            self.signature
        )
    }
}

/// Signs a request as a client would, for tests: every header given is signed (names lower-cased and
/// sorted), so `headers` should hold `host` and `x-sdk-date`. Returns the `Authorization` header value.
pub fn authorize(
    access_key: &str,
    secret_key: &str,
    request: (&str, &str, &str),
    headers: &[(&str, &str)],
    body: &[u8],
) -> String {
    let (method, raw_path, raw_query) = request;
    let mut signed: Vec<(String, String)> = headers
        .iter()
        .map(|(name, value)| (name.to_ascii_lowercase(), (*value).to_owned()))
        .collect();
    signed.sort();
    let sdk_date = signed
        .iter()
        .find(|(name, _)| name == "x-sdk-date")
        .map(|(_, value)| value.clone())
        .unwrap_or_default();
    let content_sha256 = signed
        .iter()
        .find(|(name, _)| name == CONTENT_SHA256_HEADER)
        .map(|(_, v)| v.as_str());
    let hash = payload_hash(body, content_sha256);
    let canonical = canonical_request(&SignedRequest {
        method,
        raw_path,
        raw_query,
        signed_headers: &signed,
        payload_hash: &hash,
    });
    Authorization {
        access: access_key.to_owned(),
        signed_headers: signed.iter().map(|(name, _)| name.clone()).collect(),
        signature: signature(secret_key, &string_to_sign(&sdk_date, &canonical)),
    }
    .header_value()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_uri_decodes_splits_reencodes_and_appends_a_slash() {
        assert_eq!(canonical_uri("/path"), "/path/");
        assert_eq!(canonical_uri("/v1/items/"), "/v1/items/");
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/v1/a%2Fb/tags"), "/v1/a/b/tags/");
        assert_eq!(canonical_uri("/v1/my%20image/x~y"), "/v1/my%20image/x~y/");
        assert_eq!(canonical_uri("/v1/a:b+c"), "/v1/a%3Ab%2Bc/");
        assert_eq!(canonical_uri("/v1/%FF/x"), "/v1/%EF%BF%BD/x/");
    }

    #[test]
    fn canonical_query_sorts_decoded_pairs_and_treats_plus_literally() {
        assert_eq!(canonical_query(""), "");
        assert_eq!(canonical_query("limit=1"), "limit=1");
        assert_eq!(canonical_query("b=x&a=2&a=1&a=10"), "a=1&a=10&a=2&b=x");
        assert_eq!(
            canonical_query("marker=&limit=10&flag"),
            "flag=&limit=10&marker="
        );
        assert_eq!(canonical_query("name=my%20server"), "name=my%20server");
        assert_eq!(canonical_query("name=my+server"), "name=my%2Bserver");
        assert_eq!(canonical_query("a=1&&b=2&"), "a=1&b=2");
        assert_eq!(canonical_query("k=a%3Db=c"), "k=a%3Db%3Dc");
    }

    #[test]
    fn go_sdk_vector() {
        let headers = [("x-sdk-date".to_owned(), "20060102T150405Z".to_owned())];
        let request = SignedRequest {
            method: "GET",
            raw_path: "/path",
            raw_query: "limit=1",
            signed_headers: &headers,
            payload_hash: &payload_hash(b"", None),
        };
        let canonical = canonical_request(&request);
        assert_eq!(
            canonical,
            format!(
                "GET\n/path/\nlimit=1\nx-sdk-date:20060102T150405Z\n\nx-sdk-date\n{EMPTY_BODY_SHA256}"
            )
        );
        let to_sign = string_to_sign("20060102T150405Z", &canonical);
        let expected = "5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624";
        assert_eq!(signature("SecretKey", &to_sign), expected);
        assert!(verify("SecretKey", &to_sign, expected));
        assert!(!verify("SecretKeY", &to_sign, expected));
        assert!(!verify("SecretKey", &to_sign, &expected.replace('5', "6")));
        assert!(!verify("SecretKey", &to_sign, "not hex"));
        let header = authorize(
            "AccessKey",
            "SecretKey",
            ("GET", "/path", "limit=1"),
            &[("X-Sdk-Date", "20060102T150405Z")],
            b"",
        );
        assert_eq!(
            header,
            format!(
                "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, Signature={expected}"
            )
        );
    }

    #[test]
    fn payload_hash_rules() {
        assert_eq!(payload_hash(b"", Some(UNSIGNED_PAYLOAD)), EMPTY_BODY_SHA256);
        assert_eq!(
            payload_hash(b"hello", Some(UNSIGNED_PAYLOAD)),
            UNSIGNED_PAYLOAD
        );
        assert_eq!(payload_hash(b"hello", Some("other")), sha256_hex(b"hello"));
        assert_eq!(
            sha256_hex(b"hello"),
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
    }

    #[test]
    fn authorization_parses_and_round_trips() {
        let value = "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=abcd";
        let parsed = Authorization::parse(value).unwrap();
        assert_eq!(parsed.access, "AK");
        assert_eq!(parsed.signed_headers, ["host", "x-sdk-date"]);
        assert_eq!(parsed.signature, "abcd");
        assert_eq!(parsed.header_value(), value);
        assert!(
            Authorization::parse("SDK-HMAC-SHA256 Access=AK,SignedHeaders=,Signature=ab").is_some()
        );
        for bad in [
            "",
            "Bearer abc",
            "SDK-HMAC-SM3 Access=AK, SignedHeaders=host, Signature=ab",
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host",
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=ab, Access=B",
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=ab, Extra=1",
            "SDK-HMAC-SHA256 Access=AK SignedHeaders=host Signature=ab",
        ] {
            assert_eq!(Authorization::parse(bad), None, "{bad}");
        }
    }
}
