//! This process's CPU time, for the benches that print it (`#[path]`-included: benches are
//! separate crates).

use std::time::Duration;

/// This process's CPU time so far: (user, system).
pub fn cpu_times() -> (Duration, Duration) {
    // SAFETY: getrusage writes into the struct it is given, and RUSAGE_SELF is always valid.
    let usage = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    (time(usage.ru_utime), time(usage.ru_stime))
}

/// This process's CPU time so far (user + system).
#[allow(dead_code, reason = "not every bench prints the total")]
pub fn cpu_time() -> Duration {
    let (user, system) = cpu_times();
    user + system
}

/// This process's system CPU time so far.
#[allow(dead_code, reason = "not every bench prints the system part")]
pub fn system_time() -> Duration {
    cpu_times().1
}
