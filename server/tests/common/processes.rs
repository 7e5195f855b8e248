//! Real processes for multi-node tests: a `redis-server` on a free
//! 127.0.0.1 port and `rtcroom-server` nodes on it. Each is killed by its
//! own PID (SIGKILL) when dropped or when a test kills it.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Logs of the child processes go to the test's stderr with this set.
const LOGS_ENV: &str = "RTCROOM_TEST_LOGS";

fn child_stderr() -> Stdio {
    if std::env::var_os(LOGS_ENV).is_some() {
        Stdio::inherit()
    } else {
        Stdio::null()
    }
}

/// A port the OS just handed out and released.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub struct RedisServer {
    child: Child,
    pub port: u16,
}

impl RedisServer {
    /// Starts Debian's `redis-server` (scripts/bootstrap installs it) with
    /// no persistence, and waits until it answers PING.
    pub fn start() -> RedisServer {
        Self::start_on(free_port())
    }

    /// SIGKILL, then a new redis-server (empty) on the same port.
    pub fn restart_after(mut self, outage: Duration) -> RedisServer {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::thread::sleep(outage);
        Self::start_on(self.port)
    }

    fn start_on(port: u16) -> RedisServer {
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no", "--protected-mode", "yes"])
            .stdout(Stdio::null())
            .stderr(child_stderr())
            .spawn()
            .expect("redis-server (apt-get install redis-server; scripts/bootstrap does)");
        let redis = RedisServer { child, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !redis.answers_ping() {
            assert!(Instant::now() < deadline, "redis-server did not start on port {port}");
            std::thread::sleep(Duration::from_millis(20));
        }
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn answers_ping(&self) -> bool {
        use std::io::{Read, Write};
        let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
        let mut buf = [0u8; 7];
        s.write_all(b"PING\r\n").is_ok() && s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One `rtcroom-server` process on the backplane.
pub struct Node {
    child: Child,
    pub addr: SocketAddr,
}

impl Node {
    /// Starts a node on a free port with `extra` arguments after the
    /// defaults (a fixed secret shared by all nodes, open rooms).
    pub fn start(redis: &RedisServer, node_id: &str, extra: &[&str]) -> Node {
        let secret: String = super::SECRET.iter().map(|b| format!("{b:02x}")).collect();
        let mut child = Command::new(env!("CARGO_BIN_EXE_rtcroom-server"))
            .args(["--addr", "127.0.0.1:0", "--redis", &redis.url(), "--node-id", node_id])
            .args(["--secret", &secret, "--open-rooms"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(child_stderr())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let addr = line
            .trim()
            .strip_prefix("rtcroom-server listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .parse()
            .unwrap();
        Node { child, addr }
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: no close frames, no goodbye on the backplane.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
