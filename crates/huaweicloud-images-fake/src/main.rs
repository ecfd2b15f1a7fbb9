//! Runs the fake on `127.0.0.1` and prints its base URL on the first line of stdout once it
//! accepts connections (and, with `--port-file`, writes the port there).
//!
//! ```text
//! huaweicloud-images-fake --port 8080 --image-servers 10000 --latency-ms 20 \
//!     --fault 429:rate=0.1:retry-after=1 --fault reset:next=3 --throttle 20:10
//! ```
//! Every setting can also come from a JSON file (`--config fake.json`, the same names with `_` for
//! `-`, e.g. `{"image_servers": 10000, "faults": ["503:next=2"]}`); the command line wins. `--ak`,
//! `--sk` and `--token` may also come from `FAKE_AK`, `FAKE_SK` and `FAKE_TOKEN`; without any, the
//! library's `FAKE_AK`/`FAKE_SK`/`FAKE_TOKEN` are accepted. The control API (`/__fake/…`, see the
//! library's `control` module) drives a running fake. Stops on Ctrl-C, SIGTERM or after
//! `--exit-after` seconds.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use huaweicloud_images_fake::{FakeConfig, FakeServer, FaultSpec, Throttle, TlsIdentity};
use serde::Deserialize;

/// Offline fake of the Huawei Cloud WorkspaceApp, Workspace and ModelArts image APIs (every
/// operation of spec/), with signature checks, faults, throttling and a control API under
/// /__fake/.
#[derive(Parser, Default)]
#[command(version, about)]
struct Args {
    /// A JSON file with any of these settings (the command line wins).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Port on 127.0.0.1 (0, the default, picks a free one).
    #[arg(long)]
    port: Option<u16>,
    /// Writes the port to this file once the fake accepts connections.
    #[arg(long)]
    port_file: Option<PathBuf>,
    /// Access key to accept (with --sk).
    #[arg(long, env = "FAKE_AK", requires = "sk")]
    ak: Option<String>,
    /// Secret key of --ak.
    #[arg(long, env = "FAKE_SK", requires = "ak", hide_env_values = true)]
    sk: Option<String>,
    /// More access key pairs to accept, as AK:SK (repeatable).
    #[arg(long = "credential", value_name = "AK:SK")]
    credentials: Vec<String>,
    /// IAM token to accept in X-Auth-Token (repeatable).
    #[arg(long = "token", env = "FAKE_TOKEN", hide_env_values = true)]
    tokens: Vec<String>,
    /// Seed of the generated data and of the faults' draws (default 42).
    #[arg(long)]
    seed: Option<u64>,
    /// Image servers to generate beside the documents' three (default 25).
    #[arg(long)]
    image_servers: Option<usize>,
    /// Product images to generate beside the documents' two (default 30).
    #[arg(long)]
    images: Option<usize>,
    /// ModelArts Lite Server images to generate (default 10).
    #[arg(long)]
    dev_server_images: Option<usize>,
    /// Only accept this project id (others get 403).
    #[arg(long)]
    project_id: Option<String>,
    /// Add objects with enum values no document lists.
    #[arg(long)]
    include_unknown_enum_values: bool,
    /// Add fields no document lists to every object.
    #[arg(long)]
    include_unknown_fields: bool,
    /// How far X-Sdk-Date may be from the fake's clock, in seconds (default 900).
    #[arg(long)]
    max_clock_skew_secs: Option<u64>,
    /// Requests the log keeps (default 10000).
    #[arg(long)]
    request_log_capacity: Option<usize>,
    /// Milliseconds to wait before handling each request (default 0).
    #[arg(long)]
    latency_ms: Option<u64>,
    /// The gateway's flow control, RATE:BURST requests per second per project and operation.
    #[arg(long, value_name = "RATE:BURST")]
    throttle: Option<String>,
    /// A fault from the start, e.g. 429:rate=0.1:retry-after=1, reset:next=3, 503:op=ListImages
    /// (repeatable). Kinds: 429, 500, 502, 503, reset, malformed, slow-body (chunk, delay-ms),
    /// oversized (bytes), endless, respond (status, body), raw-total (value), ignore-offset,
    /// total-off-by (by), 500-after and reset-after (the write is applied, then the answer is a
    /// 500 or a reset connection); when: next=N, rate=P, always (default); which: op=NAME.
    #[arg(long = "fault", value_name = "SPEC")]
    faults: Vec<String>,
    /// How long the metadata service's temporary credentials live, in milliseconds (default
    /// 21600000, six hours).
    #[arg(long)]
    temporary_credential_lifetime_ms: Option<u64>,
    /// How many seconds the gateway's clock is ahead of this machine's (negative: behind).
    #[arg(long, allow_negative_numbers = true)]
    clock_offset_secs: Option<i64>,
    /// A project IAM names for a region, REGION:PROJECT_ID (repeatable; default: every region has
    /// the one project).
    #[arg(long = "iam-project", value_name = "REGION:PROJECT_ID")]
    iam_projects: Vec<String>,
    /// Serve HTTPS with the built-in test certificate for localhost and 127.0.0.1 (signed by the
    /// test CA in the crate's tls/ca.pem).
    #[arg(long)]
    tls: bool,
    /// How long an item a write created stays in each state of its lifecycle, in milliseconds
    /// (default 1000): a created image server is CREATING, ACTIVE, BUILDING for one step each,
    /// then BUILT; a job WAITING, RUNNING, then SUCCESS; a deleted server DELETING, then gone.
    #[arg(long)]
    lifecycle_step_ms: Option<u64>,
    /// Items to remember from the start, as COLLECTION=FILE: a JSON file holding one item or an
    /// array of them, each with its id (repeatable; collections: image_servers,
    /// image_server_jobs). A reset keeps them, as `POST /__fake/collections/{name}` does.
    #[arg(long = "seed-items", value_name = "COLLECTION=FILE")]
    seed_items: Vec<String>,
    /// Stop after this many seconds.
    #[arg(long)]
    exit_after: Option<u64>,
}

/// The settings of a `--config` file.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    port: Option<u16>,
    port_file: Option<PathBuf>,
    ak: Option<String>,
    sk: Option<String>,
    #[serde(default)]
    credentials: Vec<String>,
    #[serde(default)]
    tokens: Vec<String>,
    seed: Option<u64>,
    image_servers: Option<usize>,
    images: Option<usize>,
    dev_server_images: Option<usize>,
    project_id: Option<String>,
    #[serde(default)]
    include_unknown_enum_values: bool,
    #[serde(default)]
    include_unknown_fields: bool,
    max_clock_skew_secs: Option<u64>,
    request_log_capacity: Option<usize>,
    latency_ms: Option<u64>,
    throttle: Option<String>,
    #[serde(default)]
    faults: Vec<String>,
    temporary_credential_lifetime_ms: Option<u64>,
    clock_offset_secs: Option<i64>,
    #[serde(default)]
    iam_projects: Vec<String>,
    #[serde(default)]
    tls: bool,
    lifecycle_step_ms: Option<u64>,
    #[serde(default)]
    seed_items: Vec<String>,
    exit_after: Option<u64>,
}

/// The command line over the file.
fn merged(mut args: Args) -> Result<Args, String> {
    let Some(path) = &args.config else {
        return Ok(args);
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let file: FileConfig =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    args.port = args.port.or(file.port);
    args.port_file = args.port_file.or(file.port_file);
    if args.ak.is_none() {
        args.ak = file.ak;
        args.sk = file.sk;
    }
    args.credentials.extend(file.credentials);
    args.tokens.extend(file.tokens);
    args.seed = args.seed.or(file.seed);
    args.image_servers = args.image_servers.or(file.image_servers);
    args.images = args.images.or(file.images);
    args.dev_server_images = args.dev_server_images.or(file.dev_server_images);
    args.project_id = args.project_id.or(file.project_id);
    args.include_unknown_enum_values |= file.include_unknown_enum_values;
    args.include_unknown_fields |= file.include_unknown_fields;
    args.max_clock_skew_secs = args.max_clock_skew_secs.or(file.max_clock_skew_secs);
    args.request_log_capacity = args.request_log_capacity.or(file.request_log_capacity);
    args.latency_ms = args.latency_ms.or(file.latency_ms);
    args.throttle = args.throttle.or(file.throttle);
    let mut faults = file.faults;
    faults.append(&mut args.faults);
    args.faults = faults;
    args.temporary_credential_lifetime_ms = args
        .temporary_credential_lifetime_ms
        .or(file.temporary_credential_lifetime_ms);
    args.clock_offset_secs = args.clock_offset_secs.or(file.clock_offset_secs);
    args.iam_projects.extend(file.iam_projects);
    args.tls |= file.tls;
    args.lifecycle_step_ms = args.lifecycle_step_ms.or(file.lifecycle_step_ms);
    let mut seed_items = file.seed_items;
    seed_items.append(&mut args.seed_items);
    args.seed_items = seed_items;
    args.exit_after = args.exit_after.or(file.exit_after);
    Ok(args)
}

fn config(args: &Args) -> Result<FakeConfig, String> {
    let defaults = FakeConfig::default();
    let mut config = FakeConfig {
        seed: args.seed.unwrap_or(defaults.seed),
        image_servers: args.image_servers.unwrap_or(defaults.image_servers),
        images: args.images.unwrap_or(defaults.images),
        dev_server_images: args.dev_server_images.unwrap_or(defaults.dev_server_images),
        project_id: args.project_id.clone(),
        include_unknown_enum_values: args.include_unknown_enum_values,
        include_unknown_fields: args.include_unknown_fields,
        max_clock_skew: args
            .max_clock_skew_secs
            .map_or(defaults.max_clock_skew, Duration::from_secs),
        request_log_capacity: args
            .request_log_capacity
            .unwrap_or(defaults.request_log_capacity),
        latency: Duration::from_millis(args.latency_ms.unwrap_or(0)),
        temporary_credential_lifetime: args.temporary_credential_lifetime_ms.map_or(
            defaults.temporary_credential_lifetime,
            Duration::from_millis,
        ),
        clock_offset_secs: args.clock_offset_secs.unwrap_or(0),
        ..FakeConfig::default()
    };
    if config.temporary_credential_lifetime.is_zero()
        || config.temporary_credential_lifetime > Duration::from_secs(7 * 24 * 3600)
    {
        return Err("--temporary-credential-lifetime-ms must be 1 to 604800000".to_owned());
    }
    if config.clock_offset_secs.unsigned_abs() > 10 * 365 * 24 * 3600 {
        return Err("--clock-offset-secs must be within ten years".to_owned());
    }
    for pair in &args.iam_projects {
        let (region, id) = pair
            .split_once(':')
            .filter(|(region, id)| !region.is_empty() && !id.is_empty())
            .ok_or_else(|| format!("--iam-project {pair}: expected REGION:PROJECT_ID"))?;
        config.iam_projects.push((region.to_owned(), id.to_owned()));
    }
    let mut credentials = Vec::new();
    if let (Some(ak), Some(sk)) = (&args.ak, &args.sk) {
        credentials.push((ak.clone(), sk.clone()));
    }
    for pair in &args.credentials {
        let (ak, sk) = pair
            .split_once(':')
            .ok_or_else(|| "--credential takes AK:SK".to_string())?;
        credentials.push((ak.to_string(), sk.to_string()));
    }
    if !credentials.is_empty() {
        config.credentials = credentials;
    }
    if !args.tokens.is_empty() {
        config.tokens = args.tokens.clone();
    }
    if let Some(throttle) = &args.throttle {
        let parsed = throttle.split_once(':').and_then(|(rate, burst)| {
            Some(Throttle {
                rate: rate.parse().ok()?,
                burst: burst.parse().ok()?,
            })
        });
        let parsed = parsed
            .ok_or_else(|| format!("--throttle {throttle}: expected RATE:BURST, e.g. 20:10"))?;
        parsed
            .check()
            .map_err(|reason| format!("--throttle {throttle}: {reason}"))?;
        config.throttle = Some(parsed);
    }
    if let Some(ms) = args.lifecycle_step_ms {
        if ms == 0 || ms > 24 * 3600 * 1000 {
            return Err("--lifecycle-step-ms must be 1 to 86400000".to_owned());
        }
        config.lifecycle_step = Duration::from_millis(ms);
    }
    for pair in &args.seed_items {
        config.seed_items.extend(seed_items(pair)?);
    }
    config.faults = args
        .faults
        .iter()
        .map(|spec| {
            spec.parse::<FaultSpec>()
                .map_err(|e| format!("--fault {e}"))
        })
        .collect::<Result<_, _>>()?;
    Ok(config)
}

/// The items of one `--seed-items COLLECTION=FILE`, each checked against its collection.
fn seed_items(pair: &str) -> Result<Vec<(String, serde_json::Value)>, String> {
    let (name, path) = pair
        .split_once('=')
        .filter(|(name, path)| !name.is_empty() && !path.is_empty())
        .ok_or_else(|| format!("--seed-items {pair}: expected COLLECTION=FILE"))?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("--seed-items {pair}: cannot read {path}: {e}"))?;
    let items = match serde_json::from_str(&text)
        .map_err(|e| format!("--seed-items {pair}: {path} is not JSON: {e}"))?
    {
        serde_json::Value::Array(items) => items,
        item => vec![item],
    };
    items
        .into_iter()
        .map(|item| {
            huaweicloud_images_fake::check_seed_item(name, &item)
                .map_err(|reason| format!("--seed-items {pair}: {reason}"))?;
            Ok((name.to_owned(), item))
        })
        .collect()
}

async fn stop_signal(exit_after: Option<u64>) {
    let after = async {
        match exit_after {
            Some(secs) => tokio::time::sleep(Duration::from_secs(secs)).await,
            None => std::future::pending().await,
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
        _ = after => {}
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match merged(Args::parse()) {
        Ok(args) => args,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let config = match config(&args) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let port = args.port.unwrap_or(0);
    let started = if args.tls {
        FakeServer::start_tls_on(config, port, &TlsIdentity::test_localhost()).await
    } else {
        FakeServer::start_on(config, port).await
    };
    let server = match started {
        Ok(server) => server,
        Err(error) => {
            eprintln!("cannot start the fake on 127.0.0.1:{port}: {error}");
            return ExitCode::FAILURE;
        }
    };
    // The listener is bound and its accept loop running: connections are accepted from here on.
    if let Some(path) = &args.port_file
        && let Err(error) = std::fs::write(path, server.addr().port().to_string())
    {
        eprintln!("cannot write the port to {}: {error}", path.display());
        return ExitCode::FAILURE;
    }
    let mut stdout = std::io::stdout();
    if writeln!(stdout, "{}", server.base_url())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        eprintln!("cannot write the base URL to stdout");
    }
    stop_signal(args.exit_after).await;
    server.shutdown().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_reaches_the_config_and_the_command_line_wins() {
        let dir = std::env::temp_dir().join(format!("fake-cli-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("fake.json");
        std::fs::write(
            &file,
            r#"{"image_servers": 7, "images": 3, "latency_ms": 20, "faults": ["503:next=2"], "throttle": "20:10", "seed": 1}"#,
        )
        .unwrap();
        let args = Args::parse_from([
            "fake",
            "--config",
            file.to_str().unwrap(),
            "--seed",
            "9",
            "--fault",
            "429:rate=0.5",
            "--credential",
            "A:B",
        ]);
        let config = config(&merged(args).unwrap()).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            (config.image_servers, config.images, config.seed),
            (7, 3, 9)
        );
        assert_eq!(config.latency, Duration::from_millis(20));
        assert_eq!(config.faults.len(), 2);
        assert_eq!(
            config.throttle,
            Some(Throttle {
                rate: 20.0,
                burst: 10.0
            })
        );
        assert_eq!(config.credentials, [("A".to_string(), "B".to_string())]);
        let bad = Args::parse_from(["fake", "--fault", "teapot"]);
        assert!(config_error(&bad).contains("teapot"));
        let bad = Args::parse_from(["fake", "--throttle", "fast"]);
        assert!(config_error(&bad).contains("RATE:BURST"));
        let identity = Args::parse_from([
            "fake",
            "--temporary-credential-lifetime-ms",
            "2000",
            "--clock-offset-secs",
            "-600",
            "--iam-project",
            "cn-north-4:aaaa1111",
            "--iam-project",
            "cn-north-4:bbbb2222",
        ]);
        let config = super::config(&identity).unwrap();
        assert_eq!(
            config.temporary_credential_lifetime,
            Duration::from_millis(2000)
        );
        assert_eq!(config.clock_offset_secs, -600);
        assert_eq!(config.iam_projects.len(), 2);
        let bad = Args::parse_from(["fake", "--iam-project", "nocolon"]);
        assert!(config_error(&bad).contains("REGION:PROJECT_ID"));
        let bad = Args::parse_from(["fake", "--temporary-credential-lifetime-ms", "0"]);
        assert!(config_error(&bad).contains("lifetime"));
        // Parsed but not usable: refused, not silently dropped (no throttling at all).
        for throttle in ["0:10", "-5:10", "NaN:10", "1e-300:0", "20:-1e21"] {
            let bad = Args::parse_from(["fake".to_owned(), format!("--throttle={throttle}")]);
            assert!(config_error(&bad).contains(throttle), "{throttle}");
        }
    }

    fn config_error(args: &Args) -> String {
        match config(args) {
            Ok(_) => panic!("accepted"),
            Err(e) => e,
        }
    }
}
