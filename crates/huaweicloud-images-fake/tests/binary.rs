//! The binary starts, prints its URL first, serves, and stops on SIGTERM or after --exit-after.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use huaweicloud_images_fake::signing::authorize;

const BIN: &str = env!("CARGO_BIN_EXE_huaweicloud-images-fake");

/// The spawned binary; killed on drop so a failing test leaves no process behind.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

fn spawn(args: &[&str], env: &[(&str, &str)]) -> (Running, String) {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for var in ["FAKE_AK", "FAKE_SK", "FAKE_TOKEN"] {
        command.env_remove(var);
    }
    command.envs(env.iter().copied());
    let mut running = Running(command.spawn().unwrap());
    let stdout = running.0.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    (running, line.trim_end().to_owned())
}

async fn status(url: &str, headers: &[(&str, &str)]) -> u16 {
    let mut request = common::client().get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn prints_its_url_serves_the_given_credentials_and_stops_on_sigterm() {
    let args = [
        "--port",
        "0",
        "--ak",
        "BINAK",
        "--sk",
        "BINSK",
        "--token",
        "bin-token",
        "--seed",
        "7",
    ];
    let (child, base) = spawn(&args, &[]);
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let path = "/v2/p/images";
    let url = format!("{base}{path}");
    assert_eq!(status(&url, &[("x-auth-token", "bin-token")]).await, 200);
    assert_eq!(
        status(
            &url,
            &[("x-auth-token", huaweicloud_images_fake::FAKE_TOKEN)]
        )
        .await,
        401
    );

    let host = base.trim_start_matches("http://");
    let date = common::sdk_date(time::Duration::ZERO);
    let signed = [("host", host), ("x-sdk-date", date.as_str())];
    let authorization = authorize("BINAK", "BINSK", ("GET", path, ""), &signed, b"");
    let headers = [
        ("x-sdk-date", date.as_str()),
        ("authorization", authorization.as_str()),
    ];
    assert_eq!(status(&url, &headers).await, 200);

    terminate(child);
}

fn terminate(mut child: Running) {
    let killed = Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let exit = child.0.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
}

#[tokio::test]
async fn takes_credentials_from_the_environment() {
    let env = [
        ("FAKE_AK", "ENVAK"),
        ("FAKE_SK", "ENVSK"),
        ("FAKE_TOKEN", "env-token"),
    ];
    let (child, base) = spawn(&[], &env);
    let url = format!("{base}/v1/p/image-servers?limit=1");
    assert_eq!(status(&url, &[("x-auth-token", "env-token")]).await, 200);
    assert_eq!(status(&url, &[("x-auth-token", "bin-token")]).await, 401);
    terminate(child);
    assert!(
        common::client().get(&url).send().await.is_err(),
        "still serving after SIGTERM"
    );
}

#[test]
fn exits_by_itself_after_exit_after_seconds() {
    let (mut child, base) = spawn(&["--exit-after", "1"], &[]);
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let exit = child.0.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
}

#[test]
fn an_ak_without_an_sk_is_refused() {
    let output = Command::new(BIN)
        .args(["--ak", "ONLY"])
        .env_remove("FAKE_SK")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
}
