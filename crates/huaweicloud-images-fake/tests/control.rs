//! The fake as a test kit for any language: driven only through its command line and its control
//! API (`/__fake/…`), never through the Rust library. Requests authenticate with `X-Auth-Token`,
//! as a test in another language would most simply do.

mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_huaweicloud-images-fake");
const TOKEN: &str = "control-api-token";
const PROJECT: &str = "a4da8115c9d8464ead3a38309130523f";

/// The spawned binary and its base URL (read from `--port-file`); killed on drop.
struct Fake {
    child: Child,
    url: String,
    _dir: TempDir,
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(name: &str, args: &[&str]) -> Fake {
    let dir = std::env::temp_dir().join(format!("fake-control-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let port_file = dir.join("port");
    let child = Command::new(BIN)
        .args(["--port", "0", "--token", TOKEN, "--exit-after", "120"])
        .arg("--port-file")
        .arg(&port_file)
        .args(args)
        .env_remove("FAKE_AK")
        .env_remove("FAKE_SK")
        .env_remove("FAKE_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    // The port file appears once the fake accepts connections.
    let started = Instant::now();
    let port = loop {
        if let Ok(text) = std::fs::read_to_string(&port_file)
            && let Ok(port) = text.trim().parse::<u16>()
        {
            break port;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "no port file");
        std::thread::sleep(Duration::from_millis(20));
    };
    Fake {
        child,
        url: format!("http://127.0.0.1:{port}"),
        _dir: TempDir(dir),
    }
}

impl Fake {
    async fn api(&self, path_and_query: &str) -> (u16, Value) {
        let response = common::client()
            .get(format!("{}/v1/{PROJECT}{path_and_query}", self.url))
            .header("X-Auth-Token", TOKEN)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn control(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = common::client().request(method, format!("{}/__fake{path}", self.url));
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn log(&self) -> Vec<Value> {
        let (status, log) = self.control("GET", "/requests", None).await;
        assert_eq!(status, 200);
        log.as_array().unwrap().clone()
    }
}

#[tokio::test]
async fn command_line_faults_latency_and_data_behave_as_documented() {
    let fake = spawn(
        "cli",
        &[
            "--image-servers",
            "47",
            "--latency-ms",
            "150",
            "--fault",
            "503:next=2:op=ListImageServers",
        ],
    );
    let (status, health) = fake.control("GET", "/health", None).await;
    assert_eq!((status, health), (200, json!({"status": "ok"})));

    let started = Instant::now();
    assert_eq!(fake.api("/image-servers").await.0, 503);
    assert!(started.elapsed() >= Duration::from_millis(150), "latency");
    assert_eq!(fake.api("/image-servers").await.0, 503);
    let (status, page) = fake.api("/image-servers?limit=100").await;
    assert_eq!(status, 200, "the fault was for the next two only");
    assert_eq!(page["count"], 50, "47 generated plus the documents' three");

    let log = fake.log().await;
    assert_eq!(log.len(), 3, "health and log reads are not logged");
    assert_eq!(log[0]["status"], 503);
    assert_eq!(log[0]["operation"], "ListImageServers");
    assert_eq!(log[0]["faults"][0], "ServiceUnavailable");
    assert_eq!(log[2]["status"], 200);
    for entry in &log {
        let after = entry["answered_after_ms"].as_f64().unwrap_or_default();
        assert!(after >= 150.0, "answered after its latency: {entry}");
    }
    let token = log[0]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h[0] == "x-auth-token")
        .unwrap();
    assert_eq!(token[1], "***", "secrets masked in the log");
}

#[tokio::test]
async fn the_control_api_injects_faults_sets_latency_scripts_states_and_resets() {
    let fake = spawn("api", &[]);
    let (status, _) = fake
        .control(
            "POST",
            "/faults",
            Some(json!({"fault": "429:next=1:retry-after=3"})),
        )
        .await;
    assert_eq!(status, 201);
    let response = common::client()
        .get(format!("{}/v1/{PROJECT}/image-servers", fake.url))
        .header("X-Auth-Token", TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 429);
    assert_eq!(response.headers()["retry-after"], "3");
    assert_eq!(fake.api("/image-servers").await.0, 200);

    let (status, error) = fake
        .control("POST", "/faults", Some(json!({"fault": "teapot"})))
        .await;
    assert_eq!(status, 400);
    assert!(error["error"].as_str().unwrap().contains("teapot"));

    fake.control("POST", "/faults", Some(json!({"fault": "500"})))
        .await;
    assert_eq!(fake.api("/image-servers").await.0, 500);
    assert_eq!(fake.control("DELETE", "/faults", None).await.0, 204);
    assert_eq!(fake.api("/image-servers").await.0, 200);

    assert_eq!(
        fake.control("PUT", "/latency", Some(json!({"ms": 200})))
            .await
            .0,
        204
    );
    let started = Instant::now();
    fake.api("/image-servers").await;
    assert!(started.elapsed() >= Duration::from_millis(200));
    fake.control("PUT", "/latency", Some(json!({"ms": 0})))
        .await;

    // A status script, moved on by the clock.
    let id = "697612196993040384";
    let script = json!({"steps": [
        {"after_ms": 0, "status": "BUILDING"},
        {"after_ms": 60000, "status": "BUILT"},
        {"after_ms": 120000, "deleted": true},
    ]});
    let path = format!("/servers/{id}/script");
    assert_eq!(fake.control("PUT", &path, Some(script)).await.0, 204);
    assert_eq!(
        fake.api(&format!("/image-servers/{id}")).await.1["status"],
        "BUILDING"
    );
    fake.control("POST", "/clock", Some(json!({"advance_ms": 60000})))
        .await;
    assert_eq!(
        fake.api(&format!("/image-servers/{id}")).await.1["status"],
        "BUILT"
    );
    fake.control("POST", "/clock", Some(json!({"advance_ms": 60000})))
        .await;
    assert_eq!(fake.api(&format!("/image-servers/{id}")).await.0, 404);
    assert_eq!(
        fake.control("PUT", "/servers/no-such/script", Some(json!({"steps": []})))
            .await
            .0,
        404
    );

    // Throttling: a bucket of 2 with a slow refill.
    fake.control("PUT", "/throttle", Some(json!({"rate": 0.1, "burst": 2})))
        .await;
    let statuses = [
        fake.api("/image-servers").await.0,
        fake.api("/image-servers").await.0,
        fake.api("/image-servers").await.0,
    ];
    assert_eq!(statuses, [200, 200, 429]);

    // Reset: no throttle, no script, an empty log.
    assert!(!fake.log().await.is_empty());
    assert_eq!(fake.control("POST", "/reset", None).await.0, 204);
    assert!(fake.log().await.is_empty());
    assert_eq!(fake.api(&format!("/image-servers/{id}")).await.0, 200);
    for _ in 0..5 {
        assert_eq!(fake.api("/image-servers").await.0, 200);
    }
    assert_eq!(
        fake.control("PUT", "/latency", Some(json!({"fast": true})))
            .await
            .0,
        400,
        "a malformed body"
    );
}

#[tokio::test]
async fn a_config_file_sets_what_the_command_line_does() {
    let dir = std::env::temp_dir().join(format!("fake-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("fake.json");
    std::fs::write(
        &file,
        json!({"image_servers": 7, "faults": ["503:next=1"]}).to_string(),
    )
    .unwrap();
    let fake = spawn("config", &["--config", file.to_str().unwrap()]);
    assert_eq!(fake.api("/image-servers").await.0, 503);
    let (status, page) = fake.api("/image-servers").await;
    assert_eq!((status, page["count"].clone()), (200, json!(10)));
    // A reset brings the configured faults back.
    fake.control("POST", "/reset", None).await;
    assert_eq!(fake.api("/image-servers").await.0, 503);
    drop(fake);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn writes_are_remembered_seeded_from_the_command_line_and_forgotten_on_reset() {
    let dir = std::env::temp_dir().join(format!("fake-seed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let seeds = dir.join("servers.json");
    std::fs::write(
        &seeds,
        json!([{"id": "seeded-1", "name": "from-a-file", "status": "BUILT"}]).to_string(),
    )
    .unwrap();
    let fake = spawn(
        "seed",
        &[
            "--image-servers",
            "0",
            "--lifecycle-step-ms",
            "60000",
            "--seed-items",
            &format!("image_servers={}", seeds.display()),
            "--fault",
            "500-after:next=1:op=CreateImageServer",
        ],
    );
    let (status, server) = fake.api("/image-servers/seeded-1").await;
    assert_eq!(
        (status, server["name"].clone()),
        (200, json!("from-a-file"))
    );

    // The injected fault applies the create, then answers 500: the server exists all the same.
    let create = |name: &'static str| {
        common::client()
            .post(format!("{}/v1/{PROJECT}/image-servers", fake.url))
            .header("X-Auth-Token", TOKEN)
            .header("content-type", "application/json")
            .body(json!({"name": name}).to_string())
            .send()
    };
    assert_eq!(create("after-a-500").await.unwrap().status().as_u16(), 500);
    let created = create("answered").await.unwrap();
    assert_eq!(created.status().as_u16(), 200);
    let job: Value = created.json().await.unwrap();
    let (status, listed) = fake.api("/image-servers?limit=100").await;
    assert_eq!(status, 200);
    let names: Vec<_> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].clone(), s["status"].clone()))
        .collect();
    assert_eq!(
        names[..3],
        [
            (json!("answered"), json!("CREATING")),
            (json!("after-a-500"), json!("CREATING")),
            (json!("from-a-file"), json!("BUILT")),
        ],
        "newest first, the seed from the file before the documents' three"
    );
    assert_eq!(names.len(), 6);
    let (status, jobs) = fake
        .control("GET", "/collections/image_server_jobs", None)
        .await;
    assert_eq!(status, 200);
    assert!(
        jobs.as_array()
            .unwrap()
            .iter()
            .any(|j| j["id"] == job["job_id"]),
        "the returned job is tracked: {jobs}"
    );

    // Seeding through the control API, then a reset: the writes are forgotten, seeds kept.
    let (status, _) = fake
        .control(
            "POST",
            "/collections/image_servers",
            Some(json!({"id": "seeded-2", "name": "posted", "status": "ACTIVE"})),
        )
        .await;
    assert_eq!(status, 201);
    let (status, refusal) = fake
        .control(
            "POST",
            "/collections/image_servers",
            Some(json!({"name": "no id"})),
        )
        .await;
    assert_eq!(status, 400);
    assert!(refusal.to_string().contains("`id`"), "{refusal}");
    assert_eq!(
        fake.control("POST", "/collections/nothing", Some(json!({})))
            .await
            .0,
        400
    );
    fake.control("POST", "/reset", None).await;
    let (_, servers) = fake
        .control("GET", "/collections/image_servers", None)
        .await;
    let ids: Vec<_> = servers
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].clone())
        .collect();
    assert_eq!(ids[..2], [json!("seeded-2"), json!("seeded-1")], "{ids:?}");
    assert_eq!(
        ids.len(),
        5,
        "the two seeds and the documents' three: {ids:?}"
    );
    drop(fake);

    // A seed without its id, or for no collection, stops the binary with exit code 2.
    std::fs::write(&seeds, json!({"name": "no id"}).to_string()).unwrap();
    for arg in [
        format!("image_servers={}", seeds.display()),
        format!("widgets={}", seeds.display()),
        "image_servers".to_owned(),
    ] {
        let output = Command::new(BIN)
            .args(["--seed-items", &arg, "--exit-after", "1"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{arg}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("--seed-items"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_settings_are_refused_with_exit_code_2() {
    let output = Command::new(BIN)
        .args(["--fault", "teapot", "--exit-after", "1"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("teapot"));
    let help = Command::new(BIN).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    for flag in [
        "--image-servers",
        "--latency-ms",
        "--fault",
        "--throttle",
        "--port-file",
        "--config",
        "--include-unknown-fields",
        "--max-clock-skew-secs",
        "--request-log-capacity",
        "--temporary-credential-lifetime-ms",
        "--clock-offset-secs",
        "--iam-project",
        "--tls",
        "--lifecycle-step-ms",
        "--seed-items",
        "500-after",
    ] {
        assert!(help.contains(flag), "--help documents {flag}");
    }
}

#[tokio::test]
async fn unusable_values_are_refused_and_the_fake_keeps_serving() {
    let fake = spawn("extremes", &[]);
    for body in [
        json!({"rate": 1e-300, "burst": 0}),
        json!({"rate": 20, "burst": -1e21}),
    ] {
        assert_eq!(fake.control("PUT", "/throttle", Some(body)).await.0, 400);
    }
    let oversized = json!({"fault": "oversized:bytes=100000000000000"});
    assert_eq!(
        fake.control("POST", "/faults", Some(oversized)).await.0,
        400
    );
    let far = json!({"advance_ms": u64::MAX});
    for _ in 0..3 {
        assert_eq!(
            fake.control("POST", "/clock", Some(far.clone())).await.0,
            204
        );
    }
    assert_eq!(
        fake.control(
            "PUT",
            "/gateway-clock",
            Some(json!({"offset_secs": i64::MAX}))
        )
        .await
        .0,
        400
    );
    for offset in [i64::MAX, i64::MIN] {
        let body = json!({ "offset_secs": offset });
        assert_eq!(
            fake.control("PUT", "/gateway-clock", Some(body)).await.0,
            400
        );
    }
    assert_eq!(fake.api("/image-servers").await.0, 200, "still serving");
}

#[tokio::test]
async fn web_pages_cannot_drive_the_control_api() {
    let fake = spawn("origin", &[]);
    let url = format!("{}/__fake/reset", fake.url);
    let send = |headers: &'static [(&'static str, &'static str)]| {
        let mut request = common::client()
            .post(&url)
            .header("content-type", "text/plain");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        async move { request.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(send(&[("origin", "https://evil.example")]).await, 403);
    assert_eq!(send(&[("host", "rebound.evil.example:8080")]).await, 403);
    assert_eq!(send(&[("origin", "http://localhost:3000")]).await, 204);
    assert_eq!(send(&[]).await, 204, "curl and scripts send no Origin");
}

#[tokio::test]
async fn a_reset_puts_the_gateway_clock_back() {
    let fake = spawn("clock-reset", &[]);
    let date = || async {
        let response = common::client()
            .get(format!("{}/v1/{PROJECT}/image-servers", fake.url))
            .header("X-Auth-Token", TOKEN)
            .send()
            .await
            .unwrap();
        let date = response.headers()["date"].to_str().unwrap().to_owned();
        httpdate::parse_http_date(&date).unwrap()
    };
    let off_by = |at: std::time::SystemTime| {
        let now = std::time::SystemTime::now();
        now.duration_since(at)
            .unwrap_or_else(|e| e.duration())
            .as_secs()
    };
    let body = json!({"offset_secs": -86_400});
    assert_eq!(
        fake.control("PUT", "/gateway-clock", Some(body)).await.0,
        204
    );
    assert!(
        off_by(date().await) > 86_000,
        "the Date is the gateway's, a day behind"
    );
    assert_eq!(fake.control("POST", "/reset", None).await.0, 204);
    assert!(off_by(date().await) < 60, "back on time after a reset");
}

#[tokio::test]
async fn with_tls_the_binary_serves_https_signed_by_the_test_ca() {
    let fake = spawn("tls", &["--tls"]);
    let url = fake.url.replace("http://", "https://");
    let ca =
        reqwest::Certificate::from_pem(huaweicloud_images_fake::TEST_CA_PEM.as_bytes()).unwrap();
    let trusting = reqwest::Client::builder()
        .add_root_certificate(ca)
        .build()
        .unwrap();
    let health = trusting
        .get(format!("{url}/__fake/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let plain = common::client()
        .get(format!("{url}/__fake/health"))
        .send()
        .await;
    assert!(plain.is_err(), "not trusted without the test CA");
}
