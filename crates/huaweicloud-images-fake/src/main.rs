//! Runs the fake on `127.0.0.1` and prints its base URL on the first line of stdout.
//!
//! ```text
//! cargo run -p huaweicloud-images-fake -- --port 8080 [--ak A --sk S] [--token T] [--seed S] [--exit-after SECS]
//! ```
//! `--ak`, `--sk` and `--token` may also come from `FAKE_AK`, `FAKE_SK` and `FAKE_TOKEN`; without them
//! the library's `FAKE_AK`/`FAKE_SK`/`FAKE_TOKEN` constants are accepted. Stops on Ctrl-C, SIGTERM or
//! after `--exit-after` seconds.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use huaweicloud_images_fake::{FakeConfig, FakeServer};

/// Offline fake of the Huawei Cloud WorkspaceApp, Workspace and ModelArts image APIs.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Access key to accept (with --sk).
    #[arg(long, env = "FAKE_AK", requires = "sk")]
    ak: Option<String>,
    /// Secret key of --ak.
    #[arg(long, env = "FAKE_SK", requires = "ak", hide_env_values = true)]
    sk: Option<String>,
    /// IAM token to accept in X-Auth-Token.
    #[arg(long, env = "FAKE_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Seed of the generated data.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Only accept this project id (others get 403).
    #[arg(long)]
    project_id: Option<String>,
    /// Add objects with enum values no document lists.
    #[arg(long)]
    include_unknown_enum_values: bool,
    /// Stop after this many seconds.
    #[arg(long)]
    exit_after: Option<u64>,
}

fn config(args: &Args) -> FakeConfig {
    let mut config = FakeConfig {
        seed: args.seed,
        project_id: args.project_id.clone(),
        include_unknown_enum_values: args.include_unknown_enum_values,
        ..FakeConfig::default()
    };
    if let (Some(ak), Some(sk)) = (&args.ak, &args.sk) {
        config.credentials = vec![(ak.clone(), sk.clone())];
    }
    if let Some(token) = &args.token {
        config.tokens = vec![token.clone()];
    }
    config
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
    let args = Args::parse();
    let server = match FakeServer::start_on(config(&args), args.port).await {
        Ok(server) => server,
        Err(error) => {
            eprintln!("cannot start the fake on 127.0.0.1:{}: {error}", args.port);
            return ExitCode::FAILURE;
        }
    };
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
