use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;

const AK: &str = "HPUAEXAMPLEAK1234567";
const SK: &str = "sEcReTkEy0123456789abcdefGHIJKLMNOPQRSTU";
const TOKEN: &str = "gQpjbi1ub3J0aC00SECURITYTOKENxyz";

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

fn config_message(err: Error) -> String {
    match err {
        Error::Config(message) => message,
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("hwc-credentials-test-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn write(&self, name: &str, contents: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn ak_sk_credentials_expose_secrets_only_to_the_crate() {
    let creds = Credentials::ak_sk(AK, SK).unwrap();
    assert_eq!(creds.ak(), Some(AK));
    assert_eq!(creds.expose_sk(), Some(SK));
    assert_eq!(creds.security_token(), None);
    assert_eq!(creds.auth_token(), None);
    assert!(!creds.is_temporary() && !creds.is_auth_token());

    let temporary = creds.with_security_token(TOKEN).unwrap();
    assert!(temporary.is_temporary());
    assert_eq!(temporary.security_token(), Some(TOKEN));
    assert_eq!(temporary.expose_sk(), Some(SK));

    let token = Credentials::token(TOKEN).unwrap();
    assert!(token.is_auth_token());
    assert_eq!(token.auth_token(), Some(TOKEN));
    assert_eq!((token.ak(), token.expose_sk()), (None, None));
}

#[test]
fn debug_output_contains_no_secret() {
    let temporary = Credentials::ak_sk(AK, SK)
        .unwrap()
        .with_security_token(TOKEN)
        .unwrap();
    let shown = format!("{temporary:?} {:#?}", temporary.clone());
    assert!(!shown.contains(SK) && !shown.contains(TOKEN), "{shown}");
    assert!(!shown.contains(AK), "the AK is masked too: {shown}");
    assert!(shown.contains("\"HPUA***\""), "{shown}");
    assert!(shown.contains("security_token: Some(\"***\")"), "{shown}");

    let token = Credentials::token(TOKEN).unwrap();
    let shown = format!("{token:?}");
    assert!(!shown.contains(TOKEN), "{shown}");
    assert_eq!(shown, "Credentials::Token { token: \"***\" }");

    let short = Credentials::ak_sk("ABCD", SK).unwrap();
    assert!(!format!("{short:?}").contains("ABCD"));

    let profile = Credentials::from_env_with(&env_of(&[
        (AK_VARIABLE, AK),
        (SK_VARIABLE, SK),
        (SECURITY_TOKEN_VARIABLE, TOKEN),
    ]))
    .unwrap()
    .unwrap();
    let shown = format!("{profile:?}");
    assert!(!shown.contains(SK) && !shown.contains(TOKEN), "{shown}");
}

#[test]
fn unusable_values_are_refused_without_showing_them() {
    let cases = [
        ("", "must not be empty"),
        ("abc def", "whitespace"),
        ("abc\ndef", "whitespace"),
        ("abc\u{7}def", "control"),
        ("abcdéf", "ASCII"),
    ];
    for (value, reason) in cases {
        let attempts = [
            ("ak", Credentials::ak_sk(value, SK)),
            ("sk", Credentials::ak_sk(AK, value)),
            (
                "security_token",
                Credentials::ak_sk(AK, SK)
                    .unwrap()
                    .with_security_token(value),
            ),
            ("auth_token", Credentials::token(value)),
        ];
        for (expected_field, result) in attempts {
            match result {
                Err(Error::InvalidInput { field, reason: got }) => {
                    assert_eq!(field, expected_field);
                    assert!(got.contains(reason), "{value:?}: {got}");
                    assert!(value.is_empty() || !got.contains(value), "{got}");
                }
                other => panic!("{expected_field}={value:?} gave {other:?}"),
            }
        }
    }
    let err = Credentials::token(TOKEN)
        .unwrap()
        .with_security_token(TOKEN)
        .unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidInput {
            field: "security_token",
            ..
        }
    ));
}

#[test]
fn environment_gives_credentials_and_project_id() {
    let env = env_of(&[
        (AK_VARIABLE, AK),
        (SK_VARIABLE, SK),
        (PROJECT_ID_VARIABLE, "0123456789abcdef0123456789abcdef"),
    ]);
    let profile = Credentials::from_env_with(&env).unwrap().unwrap();
    assert_eq!(profile.credentials.ak(), Some(AK));
    assert_eq!(profile.credentials.expose_sk(), Some(SK));
    assert!(!profile.credentials.is_temporary());
    assert_eq!(
        profile.project_id.as_deref(),
        Some("0123456789abcdef0123456789abcdef")
    );
    assert_eq!(profile.source, CredentialSource::Environment);

    let env = env_of(&[
        (AK_VARIABLE, AK),
        (SK_VARIABLE, SK),
        (SECURITY_TOKEN_VARIABLE, TOKEN),
    ]);
    let profile = Credentials::from_env_with(&env).unwrap().unwrap();
    assert_eq!(profile.credentials.security_token(), Some(TOKEN));
    assert_eq!(profile.project_id, None);
}

#[test]
fn environment_without_credentials_is_none_and_empty_counts_as_unset() {
    assert!(Credentials::from_env_with(&env_of(&[])).unwrap().is_none());
    let env = env_of(&[
        (AK_VARIABLE, ""),
        (SK_VARIABLE, ""),
        (PROJECT_ID_VARIABLE, "p"),
    ]);
    assert!(Credentials::from_env_with(&env).unwrap().is_none());
}

#[test]
fn partial_environment_names_what_is_missing() {
    let only_ak = Credentials::from_env_with(&env_of(&[(AK_VARIABLE, AK)])).unwrap_err();
    let message = config_message(only_ak);
    assert!(
        message.starts_with("HUAWEICLOUD_SDK_AK is set but HUAWEICLOUD_SDK_SK is not"),
        "{message}"
    );
    let only_sk = Credentials::from_env_with(&env_of(&[(SK_VARIABLE, SK)])).unwrap_err();
    let message = config_message(only_sk);
    assert!(
        message.starts_with("HUAWEICLOUD_SDK_SK is set but HUAWEICLOUD_SDK_AK is not"),
        "{message}"
    );
    assert!(!message.contains(SK));
    let only_token =
        Credentials::from_env_with(&env_of(&[(SECURITY_TOKEN_VARIABLE, TOKEN)])).unwrap_err();
    let message = config_message(only_token);
    assert!(
        message.starts_with("HUAWEICLOUD_SDK_SECURITY_TOKEN is set"),
        "{message}"
    );
    assert!(!message.contains(TOKEN));
}

#[test]
fn unusable_environment_values_name_the_variable_not_the_value() {
    let bad_sk = "secret with spaces";
    let err = Credentials::from_env_with(&env_of(&[(AK_VARIABLE, AK), (SK_VARIABLE, bad_sk)]))
        .unwrap_err();
    let message = config_message(err);
    assert!(
        message.contains(SK_VARIABLE) && message.contains("whitespace"),
        "{message}"
    );
    assert!(!message.contains(bad_sk), "{message}");

    let env = env_of(&[
        (AK_VARIABLE, AK),
        (SK_VARIABLE, SK),
        (PROJECT_ID_VARIABLE, "a b"),
    ]);
    let message = config_message(Credentials::from_env_with(&env).unwrap_err());
    assert!(message.contains(PROJECT_ID_VARIABLE), "{message}");
}

#[test]
fn profile_file_gives_credentials_and_project_id() {
    let dir = TempDir::new();
    let text = format!(
        "# comment\n[global]\nak = OTHER\nsk = OTHER\n\n[basic]\nak = {AK}\nsk = {SK}\n\
         project_id = 0123456789abcdef0123456789abcdef\n"
    );
    let path = dir.write("credentials", text.as_bytes());
    let profile = Credentials::from_profile_file(&path).unwrap();
    assert_eq!(profile.credentials.ak(), Some(AK));
    assert_eq!(profile.credentials.expose_sk(), Some(SK));
    assert!(!profile.credentials.is_temporary());
    assert_eq!(
        profile.project_id.as_deref(),
        Some("0123456789abcdef0123456789abcdef")
    );
    assert_eq!(profile.source, CredentialSource::File(path));
}

#[test]
fn profile_file_with_temporary_credentials_and_upper_case_keys() {
    let dir = TempDir::new();
    let text = format!("\u{feff}[basic]\nAK={AK}\nSk: {SK}\nSecurity_Token = {TOKEN}\n");
    let path = dir.write("creds.ini", text.as_bytes());
    let profile = Credentials::from_profile_file(&path).unwrap();
    assert_eq!(profile.credentials.ak(), Some(AK));
    assert_eq!(profile.credentials.expose_sk(), Some(SK));
    assert_eq!(profile.credentials.security_token(), Some(TOKEN));
    assert_eq!(profile.project_id, None);
}

#[test]
fn profile_file_errors_name_the_file_and_the_missing_key() {
    let dir = TempDir::new();
    let cases: [(&str, String, &str); 8] = [
        (
            "no-sk",
            format!("[basic]\nak = {AK}\n"),
            "[basic] has `ak` but no `sk`",
        ),
        (
            "no-ak",
            format!("[basic]\nsk = {SK}\n"),
            "[basic] has `sk` but no `ak`",
        ),
        (
            "empty-sk",
            format!("[basic]\nak = {AK}\nsk =\n"),
            "has `ak` but no `sk`",
        ),
        (
            "none",
            "[basic]\nproject_id = p\n".to_owned(),
            "has neither `ak` nor `sk`",
        ),
        (
            "federated",
            "[basic]\nidp_id = x\nid_token_file = /t\n".to_owned(),
            "federated `idp_id`/`id_token_file` credentials are not supported",
        ),
        (
            "no-section",
            format!("[global]\nak = {AK}\nsk = {SK}\n"),
            "no [basic] section",
        ),
        (
            "twice",
            format!("[basic]\nak = {AK}\nsk = {SK}\nAK = {AK}\n"),
            "key `ak` appears more than once",
        ),
        (
            "bad-sk",
            format!("[basic]\nak = {AK}\nsk = {SK} {SK}\n"),
            "`sk` in [basic] is not usable: the value must not contain whitespace",
        ),
    ];
    for (name, text, expected) in cases {
        let path = dir.write(name, text.as_bytes());
        let message = config_message(Credentials::from_profile_file(&path).unwrap_err());
        assert!(
            message.contains(&path.display().to_string()),
            "{name}: {message}"
        );
        assert!(message.contains(expected), "{name}: {message}");
        assert!(!message.contains(SK), "{name}: {message}");
    }
}

#[test]
fn malformed_or_unreadable_profile_files_are_errors_naming_the_file() {
    let dir = TempDir::new();
    let cases: [(&str, &[u8], &str); 4] = [
        (
            "unclosed",
            b"[basic\nak = x\nsk = y\n",
            "not a valid INI file",
        ),
        ("no-key", b"[basic]\n= value\n", "not a valid INI file"),
        ("binary", b"[basic]\nak = \xff\xfe\n", "not UTF-8"),
        ("sub/", b"", "could not read credentials file"),
    ];
    for (name, contents, expected) in cases {
        let path = if let Some(dir_name) = name.strip_suffix('/') {
            // A directory where a file is expected: exists, but cannot be read as a file.
            let path = dir.0.join(dir_name);
            std::fs::create_dir_all(&path).unwrap();
            path
        } else {
            dir.write(name, contents)
        };
        let message = config_message(Credentials::from_profile_file(&path).unwrap_err());
        assert!(
            message.contains(&path.display().to_string()),
            "{name}: {message}"
        );
        assert!(message.contains(expected), "{name}: {message}");
    }
    let missing = dir.0.join("missing");
    let message = config_message(Credentials::from_profile_file(&missing).unwrap_err());
    assert!(
        message.contains("does not exist") && message.contains("missing"),
        "{message}"
    );
}

#[test]
fn default_profile_location_follows_the_official_sdk() {
    let dir = TempDir::new();
    let home = dir.0.display().to_string();
    let env = env_of(&[(HOME_VARIABLE, &home)]);
    let default = dir.0.join(".huaweicloud").join("credentials");
    assert_eq!(profile_path(&env), Some(default.clone()));
    // A missing default file is simply "not found".
    assert!(
        Credentials::from_default_profile_with(&env)
            .unwrap()
            .is_none()
    );
    assert!(
        Credentials::from_default_profile_with(&env_of(&[]))
            .unwrap()
            .is_none()
    );

    dir.write(
        ".huaweicloud/credentials",
        format!("[basic]\nak={AK}\nsk={SK}\n").as_bytes(),
    );
    let profile = Credentials::from_default_profile_with(&env)
        .unwrap()
        .unwrap();
    assert_eq!(profile.source, CredentialSource::File(default));

    // HUAWEICLOUD_SDK_CREDENTIALS_FILE wins, and must exist.
    let named = dir.write(
        "named",
        format!("[basic]\nak=NAMEDAK\nsk={SK}\n").as_bytes(),
    );
    let named_str = named.display().to_string();
    let env = env_of(&[
        (HOME_VARIABLE, &home),
        (CREDENTIALS_FILE_VARIABLE, &named_str),
    ]);
    let profile = Credentials::from_default_profile_with(&env)
        .unwrap()
        .unwrap();
    assert_eq!(profile.credentials.ak(), Some("NAMEDAK"));
    let gone = dir.0.join("gone").display().to_string();
    let env = env_of(&[(HOME_VARIABLE, &home), (CREDENTIALS_FILE_VARIABLE, &gone)]);
    let message = config_message(Credentials::from_default_profile_with(&env).unwrap_err());
    assert!(message.contains(CREDENTIALS_FILE_VARIABLE) && message.contains(&gone));
}

#[test]
fn discovery_prefers_the_environment_then_the_profile_file() {
    let dir = TempDir::new();
    let home = dir.0.display().to_string();
    dir.write(
        ".huaweicloud/credentials",
        format!("[basic]\nak=FILEAK\nsk={SK}\nproject_id=fromfile\n").as_bytes(),
    );
    let env = env_of(&[
        (HOME_VARIABLE, &home),
        (AK_VARIABLE, "ENVAK"),
        (SK_VARIABLE, SK),
    ]);
    let profile = Credentials::discover_with(&env).unwrap();
    assert_eq!(profile.credentials.ak(), Some("ENVAK"));
    assert_eq!(profile.source, CredentialSource::Environment);
    assert_eq!(
        profile.project_id, None,
        "project ids are not mixed across sources"
    );

    let env = env_of(&[(HOME_VARIABLE, &home)]);
    let profile = Credentials::discover_with(&env).unwrap();
    assert_eq!(profile.credentials.ak(), Some("FILEAK"));
    assert_eq!(profile.project_id.as_deref(), Some("fromfile"));

    // A broken environment is reported, not skipped in favour of the file.
    let env = env_of(&[(HOME_VARIABLE, &home), (AK_VARIABLE, "ENVAK")]);
    assert!(config_message(Credentials::discover_with(&env).unwrap_err()).contains(SK_VARIABLE));
}

#[test]
fn discovery_without_credentials_lists_what_was_looked_at() {
    let dir = TempDir::new();
    let home = dir.0.display().to_string();
    let message =
        config_message(Credentials::discover_with(&env_of(&[(HOME_VARIABLE, &home)])).unwrap_err());
    let default = dir.0.join(".huaweicloud").join("credentials");
    assert!(
        message.contains(AK_VARIABLE) && message.contains(SK_VARIABLE),
        "{message}"
    );
    assert!(
        message.contains(&default.display().to_string()),
        "{message}"
    );
    assert!(message.contains("does not exist"), "{message}");

    let message = config_message(Credentials::discover_with(&env_of(&[])).unwrap_err());
    assert!(message.contains(HOME_VARIABLE) && message.contains(CREDENTIALS_FILE_VARIABLE));
}

/// A metadata service that answers a session token, then a security key whose body never ends
/// (or declares a huge length): how many bytes it wrote before the client went away.
async fn endless_metadata_service(
    declared: bool,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicU64>) {
    use std::sync::atomic::{AtomicU64, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let written = std::sync::Arc::new(AtomicU64::new(0));
    let counter = std::sync::Arc::clone(&written);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let counter = std::sync::Arc::clone(&counter);
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if socket.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                if head.starts_with(b"PUT") {
                    let _ = socket
                        .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\ntoken")
                        .await;
                    return;
                }
                let header: &[u8] = if declared {
                    b"HTTP/1.1 200 OK\r\nContent-Length: 100000000000\r\n\r\n"
                } else {
                    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                };
                if socket.write_all(header).await.is_err() {
                    return;
                }
                let chunk = vec![b'a'; 16 * 1024];
                let framed = [
                    format!("{:x}\r\n", chunk.len()).into_bytes(),
                    chunk,
                    b"\r\n".to_vec(),
                ]
                .concat();
                loop {
                    let piece = if declared {
                        &framed[..16 * 1024]
                    } else {
                        &framed[..]
                    };
                    if socket.write_all(piece).await.is_err() {
                        return;
                    }
                    counter.fetch_add(piece.len() as u64, Ordering::Relaxed);
                }
            });
        }
    });
    (url, written)
}

/// Issue 16: the metadata service's answers are read up to a cap, not whole.
#[tokio::test]
async fn a_metadata_body_that_never_ends_is_cut_off_at_the_cap() {
    use crate::credentials::provider::ProvideCredentials;
    for declared in [false, true] {
        let (url, written) = endless_metadata_service(declared).await;
        let provider = MetadataProvider::with_base_url(&url).unwrap();
        let outcome = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            provider.provide_credentials(),
        )
        .await
        .expect("the client stops reading");
        let message = outcome.unwrap_err().to_string();
        assert!(message.contains("larger than"), "{declared}: {message}");
        let sent = written.load(std::sync::atomic::Ordering::Relaxed);
        assert!(sent < 64 * 1024 * 1024, "{declared}: {sent} bytes sent");
    }
}
