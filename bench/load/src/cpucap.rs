//! A CPU budget for the server under test: a cgroup with a CFS bandwidth
//! quota (cgroup v1 `cpu` controller, or v2 `cpu.max`), so that both servers
//! saturate on the same budget while the generator, on its own core, has
//! room to spare. Without it the generator, which does one write and one
//! read per message as the server does, saturates no later than the server
//! it measures. A short period (10 ms) keeps a throttled server's stalls
//! short. The group is this run's own and is removed when dropped.

use crate::cli::{ctx, Result};
use std::path::{Path, PathBuf};

const PERIOD_US: u64 = 10_000;

pub struct CpuCap {
    dir: PathBuf,
}

/// Throttling over a window: how often the server used its whole budget.
#[derive(Debug, Clone, Copy, Default)]
pub struct Throttle {
    pub periods: u64,
    pub throttled: u64,
}

impl CpuCap {
    /// Puts `pid` (all its threads) in a new group limited to `percent` of
    /// one CPU.
    pub fn apply(pid: u32, percent: f64) -> Result<CpuCap> {
        let quota = ((percent / 100.0) * PERIOD_US as f64).round().max(1000.0) as u64;
        let name = format!("rtcroom-load-{}-{pid}", std::process::id());
        let v1 = Path::new("/sys/fs/cgroup/cpu/cpu.cfs_quota_us");
        let (dir, v2) = if v1.exists() {
            (PathBuf::from("/sys/fs/cgroup/cpu").join(name), false)
        } else if std::fs::read_to_string("/sys/fs/cgroup/cgroup.controllers")
            .is_ok_and(|c| c.split_whitespace().any(|c| c == "cpu"))
        {
            (PathBuf::from("/sys/fs/cgroup").join(name), true)
        } else {
            return Err("--server-cpu-quota: no cgroup cpu controller (v1 or v2) here".into());
        };
        std::fs::create_dir(&dir).map_err(ctx(format!("mkdir {}", dir.display())))?;
        let cap = CpuCap { dir };
        // A group competes with the tasks outside it by its own weight, not
        // by its members' nice values: give it the weight the server's nice
        // value (inherited from the generator) would have (1024 at nice 0,
        // x1.25 per step below).
        let nice = process_nice(pid).unwrap_or(0).clamp(-20, 19);
        if v2 {
            cap.write("cpu.max", &format!("{quota} {PERIOD_US}"))?;
            cap.write("cpu.weight.nice", &nice.to_string())?;
        } else {
            cap.write("cpu.cfs_period_us", &PERIOD_US.to_string())?;
            cap.write("cpu.cfs_quota_us", &quota.to_string())?;
            let shares = (1024.0 * 1.25f64.powi(-nice as i32)).round() as u64;
            cap.write("cpu.shares", &shares.to_string())?;
        }
        cap.write("cgroup.procs", &pid.to_string())?;
        Ok(cap)
    }

    fn write(&self, file: &str, value: &str) -> Result<()> {
        let path = self.dir.join(file);
        std::fs::write(&path, value).map_err(ctx(format!("write {value} to {}", path.display())))
    }

    pub fn throttle(&self) -> Throttle {
        let stat = std::fs::read_to_string(self.dir.join("cpu.stat")).unwrap_or_default();
        let field = |name: &str| {
            stat.lines()
                .find_map(|l| l.strip_prefix(name).and_then(|v| v.trim().parse().ok()))
                .unwrap_or(0)
        };
        Throttle { periods: field("nr_periods "), throttled: field("nr_throttled ") }
    }

    /// Per cent of the periods since `before` in which the budget ran out.
    pub fn throttled_pct(&self, before: Throttle) -> f64 {
        let now = self.throttle();
        let periods = now.periods.saturating_sub(before.periods).max(1);
        100.0 * now.throttled.saturating_sub(before.throttled) as f64 / periods as f64
    }
}

/// Field 19 of /proc/PID/stat.
pub fn process_nice(pid: u32) -> Option<i64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = stat.rsplit_once(')').map(|(_, r)| r)?;
    rest.split_whitespace().nth(16).and_then(|v| v.parse().ok())
}

impl Drop for CpuCap {
    fn drop(&mut self) {
        // Empty once the server exited (the caller stops it first); a group
        // still busy is left for the kernel to report, never killed.
        for _ in 0..50 {
            if std::fs::remove_dir(&self.dir).is_ok() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        eprintln!("could not remove cgroup {}", self.dir.display());
    }
}
