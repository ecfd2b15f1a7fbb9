//! Who may call: AK/SK signatures (`SDK-HMAC-SHA256`, see [`crate::signing`]) or IAM tokens.
//!
//! Policy: a request with an `Authorization` header is judged by its signature alone (a valid token
//! beside a bad signature does not help); otherwise `X-Auth-Token` must be a configured token;
//! otherwise it is refused. The signature covers exactly the headers `SignedHeaders` lists (each must
//! be present once); `X-Sdk-Date` must be present and within the configured skew of the fake's clock.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::time::Duration;

use http::HeaderMap;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

use super::signing::{self, Authorization, SignedRequest};

/// Temporary credentials the gateway accepts, with their security token, until `expires_at` (by
/// the gateway's clock); the metadata service issues them.
#[derive(Clone)]
pub(crate) struct Temporary {
    pub(crate) access: String,
    pub(crate) secret: String,
    pub(crate) security_token: String,
    pub(crate) expires_at: time::OffsetDateTime,
}

/// The request parts authentication looks at, as received.
#[derive(Debug, Clone, Copy)]
pub struct AuthRequest<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// Path as received (percent-encoded).
    pub raw_path: &'a str,
    /// Query string as received, without `?`.
    pub raw_query: &'a str,
    /// All request headers (`Host` included).
    pub headers: &'a HeaderMap,
    /// The request body.
    pub body: &'a [u8],
}

/// How a request proved who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authenticated {
    /// A valid signature by this access key.
    AccessKey(String),
    /// A configured IAM token.
    Token,
}

/// Why a request was refused (401). Messages never contain secret keys, signatures or tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    /// Neither `Authorization` nor `X-Auth-Token` was sent.
    Missing,
    /// `Authorization` is not `SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…`.
    MalformedAuthorization,
    /// The access key is not configured.
    UnknownAccessKey(String),
    /// `X-Sdk-Date` is missing, repeated or not `yyyyMMddTHHmmssZ`.
    BadDate,
    /// `X-Sdk-Date` is further from the fake's clock than allowed (seconds allowed).
    ClockSkew(u64),
    /// A header `SignedHeaders` lists is absent, repeated or not UTF-8.
    SignedHeader(String),
    /// The signature does not match.
    BadSignature,
    /// The token is not configured.
    BadToken,
    /// Temporary credentials without their security token, or with another one.
    BadSecurityToken,
    /// Temporary credentials past their `expires_at`.
    ExpiredSecurityToken,
}

impl AuthError {
    /// The gateway error code: `APIGW.0303` for an expired date, `APIGW.0301` otherwise.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::ClockSkew(_) => crate::errors::APIGW_EXPIRED,
            _ => crate::errors::APIGW_AUTH,
        }
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Incorrect IAM authentication information: ")?;
        match self {
            AuthError::Missing => f.write_str("Authorization or X-Auth-Token header not found"),
            AuthError::MalformedAuthorization => f.write_str("Authorization header is malformed"),
            AuthError::UnknownAccessKey(ak) => write!(f, "ak {ak} not exist"),
            AuthError::BadDate => f.write_str("X-Sdk-Date header missing or malformed"),
            AuthError::ClockSkew(secs) => {
                write!(
                    f,
                    "request expired: X-Sdk-Date is more than {secs} s from the server time"
                )
            }
            AuthError::SignedHeader(name) => write!(f, "signed header {name} missing or repeated"),
            AuthError::BadSignature => f.write_str("verify aksk signature fail"),
            AuthError::BadToken => f.write_str("decrypt token fail"),
            AuthError::BadSecurityToken => f.write_str("security token missing or not valid"),
            AuthError::ExpiredSecurityToken => f.write_str("the security token has expired"),
        }
    }
}

impl std::error::Error for AuthError {}

/// Checks requests against the configured AK/SK pairs and tokens. `Debug` shows access keys only.
pub struct Verifier {
    secret_keys: HashMap<String, String>,
    tokens: HashSet<String>,
    max_clock_skew: Duration,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("access_keys", &self.secret_keys.keys().collect::<Vec<_>>())
            .field("tokens", &format_args!("[{} redacted]", self.tokens.len()))
            .field("max_clock_skew", &self.max_clock_skew)
            .finish()
    }
}

fn single_header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let mut values = headers.get_all(name).iter();
    let value = values.next()?;
    if values.next().is_some() {
        return None;
    }
    std::str::from_utf8(value.as_bytes()).ok()
}

/// Parses `X-Sdk-Date` (`20240102T030405Z`, UTC).
pub fn parse_sdk_date(value: &str) -> Option<OffsetDateTime> {
    let format = format_description!("[year][month][day]T[hour][minute][second]Z");
    PrimitiveDateTime::parse(value, &format)
        .ok()
        .map(PrimitiveDateTime::assume_utc)
}

impl Verifier {
    /// A verifier for these `(AK, SK)` pairs and tokens.
    pub fn new(
        credentials: &[(String, String)],
        tokens: &[String],
        max_clock_skew: Duration,
    ) -> Self {
        Verifier {
            secret_keys: credentials.iter().cloned().collect(),
            tokens: tokens.iter().cloned().collect(),
            max_clock_skew,
        }
    }

    /// Authenticates `request` as of `now`.
    pub fn verify(
        &self,
        request: &AuthRequest<'_>,
        now: OffsetDateTime,
    ) -> Result<Authenticated, AuthError> {
        self.verify_with(request, now, &|_| None)
    }

    /// [`Verifier::verify`], also accepting the temporary pairs `temporary` knows (with their
    /// security token, until they expire).
    pub(crate) fn verify_with(
        &self,
        request: &AuthRequest<'_>,
        now: OffsetDateTime,
        temporary: &dyn Fn(&str) -> Option<Temporary>,
    ) -> Result<Authenticated, AuthError> {
        if let Some(value) = request.headers.get(http::header::AUTHORIZATION) {
            let value = std::str::from_utf8(value.as_bytes())
                .map_err(|_| AuthError::MalformedAuthorization)?;
            let authorization =
                Authorization::parse(value).ok_or(AuthError::MalformedAuthorization)?;
            return self.verify_signature(&authorization, request, now, temporary);
        }
        match request.headers.get("x-auth-token") {
            Some(token) => match std::str::from_utf8(token.as_bytes()) {
                Ok(token) if self.tokens.contains(token) => Ok(Authenticated::Token),
                _ => Err(AuthError::BadToken),
            },
            None => Err(AuthError::Missing),
        }
    }

    fn verify_signature(
        &self,
        authorization: &Authorization,
        request: &AuthRequest<'_>,
        now: OffsetDateTime,
        temporary: &dyn Fn(&str) -> Option<Temporary>,
    ) -> Result<Authenticated, AuthError> {
        let access = &authorization.access;
        let issued = match self.secret_keys.get(access) {
            Some(_) => None,
            None => {
                Some(temporary(access).ok_or_else(|| AuthError::UnknownAccessKey(access.clone()))?)
            }
        };
        let secret_key = match &issued {
            Some(pair) => &pair.secret,
            None => &self.secret_keys[access],
        };
        let sdk_date = single_header(request.headers, "x-sdk-date").ok_or(AuthError::BadDate)?;
        let signed_at = parse_sdk_date(sdk_date).ok_or(AuthError::BadDate)?;
        if (now - signed_at).unsigned_abs() > self.max_clock_skew {
            return Err(AuthError::ClockSkew(self.max_clock_skew.as_secs()));
        }
        let signed_headers = authorization
            .signed_headers
            .iter()
            .map(|name| match single_header(request.headers, name) {
                Some(value) => Ok((name.clone(), value.to_owned())),
                None => Err(AuthError::SignedHeader(name.clone())),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let content_sha256 = single_header(request.headers, signing::CONTENT_SHA256_HEADER);
        let payload_hash = signing::payload_hash(request.body, content_sha256);
        let canonical = signing::canonical_request(&SignedRequest {
            method: request.method,
            raw_path: request.raw_path,
            raw_query: request.raw_query,
            signed_headers: &signed_headers,
            payload_hash: &payload_hash,
        });
        let string_to_sign = signing::string_to_sign(sdk_date, &canonical);
        if !signing::verify(secret_key, &string_to_sign, &authorization.signature) {
            return Err(AuthError::BadSignature);
        }
        if let Some(pair) = issued {
            if single_header(request.headers, "x-security-token") != Some(&pair.security_token) {
                return Err(AuthError::BadSecurityToken);
            }
            if now >= pair.expires_at {
                return Err(AuthError::ExpiredSecurityToken);
            }
        }
        Ok(Authenticated::AccessKey(access.clone()))
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    const DATE: &str = "20240102T030405Z";

    fn verifier() -> Verifier {
        Verifier::new(
            &[("AK".into(), "SK".into())],
            &["token-1".into()],
            Duration::from_secs(900),
        )
    }

    fn now() -> OffsetDateTime {
        parse_sdk_date(DATE).unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn signed_headers(sk: &str, query: &str) -> HeaderMap {
        let base = [("host", "127.0.0.1:8080"), ("x-sdk-date", DATE)];
        let auth = signing::authorize("AK", sk, ("GET", "/v2/p/images", query), &base, b"");
        let mut map = headers(&base);
        map.insert("authorization", HeaderValue::from_str(&auth).unwrap());
        map
    }

    fn check(map: &HeaderMap, query: &str, at: OffsetDateTime) -> Result<Authenticated, AuthError> {
        let request = AuthRequest {
            method: "GET",
            raw_path: "/v2/p/images",
            raw_query: query,
            headers: map,
            body: b"",
        };
        verifier().verify(&request, at)
    }

    #[test]
    fn a_correct_signature_passes_and_a_tampered_request_does_not() {
        let map = signed_headers("SK", "limit=1");
        assert_eq!(
            check(&map, "limit=1", now()),
            Ok(Authenticated::AccessKey("AK".into()))
        );
        assert_eq!(check(&map, "limit=2", now()), Err(AuthError::BadSignature));
        let other_sk = signed_headers("SK2", "limit=1");
        assert_eq!(
            check(&other_sk, "limit=1", now()),
            Err(AuthError::BadSignature)
        );
    }

    #[test]
    fn clock_skew_beyond_the_limit_is_refused() {
        let map = signed_headers("SK", "");
        let late = now() + time::Duration::minutes(16);
        assert_eq!(check(&map, "", late), Err(AuthError::ClockSkew(900)));
        assert_eq!(
            check(&map, "", now() - time::Duration::minutes(16)),
            Err(AuthError::ClockSkew(900))
        );
        assert!(check(&map, "", now() + time::Duration::minutes(14)).is_ok());
        assert_eq!(AuthError::ClockSkew(900).code(), "APIGW.0303");
    }

    #[test]
    fn missing_pieces_are_reported() {
        assert_eq!(check(&HeaderMap::new(), "", now()), Err(AuthError::Missing));
        let mut map = signed_headers("SK", "");
        map.remove("host");
        assert_eq!(
            check(&map, "", now()),
            Err(AuthError::SignedHeader("host".into()))
        );
        let mut map = signed_headers("SK", "");
        map.append("host", HeaderValue::from_static("evil"));
        assert_eq!(
            check(&map, "", now()),
            Err(AuthError::SignedHeader("host".into()))
        );
        let mut map = signed_headers("SK", "");
        map.insert("x-sdk-date", HeaderValue::from_static("2024-01-02"));
        assert_eq!(check(&map, "", now()), Err(AuthError::BadDate));
        let bad = headers(&[(
            "authorization",
            "SDK-HMAC-SHA256 Access=NOPE, SignedHeaders=, Signature=00",
        )]);
        assert_eq!(
            check(&bad, "", now()),
            Err(AuthError::UnknownAccessKey("NOPE".into()))
        );
        let bad = headers(&[("authorization", "Basic abc"), ("x-auth-token", "token-1")]);
        assert_eq!(
            check(&bad, "", now()),
            Err(AuthError::MalformedAuthorization)
        );
    }

    #[test]
    fn tokens() {
        assert_eq!(
            check(&headers(&[("x-auth-token", "token-1")]), "", now()),
            Ok(Authenticated::Token)
        );
        assert_eq!(
            check(&headers(&[("x-auth-token", "token-2")]), "", now()),
            Err(AuthError::BadToken)
        );
    }

    #[test]
    fn messages_carry_no_secrets() {
        let shown = format!("{:?} {}", verifier(), AuthError::BadToken);
        assert!(
            !shown.contains("token-1") && !shown.contains("\"SK\""),
            "{shown}"
        );
        assert_eq!(
            AuthError::UnknownAccessKey("X".into()).to_string(),
            "Incorrect IAM authentication information: ak X not exist"
        );
    }
}
