//! CPU per call (not a timed test): one `ListImageServers` call of 100 items at a time against a
//! fake in its own process with no latency, so that this process does only the client's work:
//! build and check the request, sign it, send it, read the body and decode the 100 items. Prints
//! the client's CPU time (user + system, from `getrusage`) and the wall time per call, over
//! `BENCH_CALLS` sequential calls (default 2,000) after a warm-up.
//!
//! Run: `cargo bench -p huaweicloud-images --bench call`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use huaweicloud_images::{Client, Credentials, RetryPolicy};
use huaweicloud_images_fake::{FAKE_AK, FAKE_PROJECT_ID, FAKE_SK, FakeConfig, FakeServer};

const CHILD: &str = "CALL_BENCH_FAKE";

/// This process's CPU time so far (user + system).
fn cpu_time() -> Duration {
    // SAFETY: getrusage writes into the struct it is given, and RUSAGE_SELF is always valid.
    let usage = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    time(usage.ru_utime) + time(usage.ru_stime)
}

async fn child() {
    let fake = FakeServer::start(FakeConfig {
        image_servers: 997,
        images: 0,
        dev_server_images: 0,
        request_log_capacity: 16,
        ..FakeConfig::default()
    })
    .await
    .expect("fake starts");
    println!("{}", fake.base_url());
    // Until the parent goes away.
    let _ = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        let _ = std::io::stdin().lock().read_line(&mut line);
    })
    .await;
}

struct Fake(Child);

impl Drop for Fake {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn main() {
    if std::env::var_os(CHILD).is_some() {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(child());
        return;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let calls: u32 = std::env::var("BENCH_CALLS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2_000);
    let mut process = Command::new(std::env::current_exe().expect("own path"))
        .env(CHILD, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("child fake");
    let mut url = String::new();
    BufReader::new(process.stdout.take().expect("stdout"))
        .read_line(&mut url)
        .expect("url");
    let _fake = Fake(process);
    let client = Client::builder()
        .credentials(Credentials::ak_sk(FAKE_AK, FAKE_SK).expect("credentials"))
        .project_id(FAKE_PROJECT_ID)
        .endpoint_for_all(url.trim())
        .retry(RetryPolicy::disabled())
        .build()
        .expect("client");
    runtime.block_on(async {
        let call = || async {
            let page = client
                .image_servers()
                .list()
                .limit(100)
                .send()
                .await
                .expect("a page");
            assert_eq!(page.items.map(|items| items.len()), Some(100));
        };
        for _ in 0..200 {
            call().await;
        }
        let (cpu, wall) = (cpu_time(), Instant::now());
        for _ in 0..calls {
            call().await;
        }
        let (cpu, wall) = (cpu_time() - cpu, wall.elapsed());
        let per = |d: Duration| d.as_secs_f64() * 1e6 / f64::from(calls);
        println!(
            "ListImageServers, 100 items per call, {calls} sequential calls: client CPU {:.1} µs per call, wall {:.1} µs per call",
            per(cpu),
            per(wall)
        );
    });
}
