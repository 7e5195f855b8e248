//! The built `rtcroom-server` executable.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

fn spawn(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_rtcroom-server"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Reads the announced line and returns the address in it.
fn listening_addr(child: &mut Child) -> std::net::SocketAddr {
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
    let addr = line
        .trim_end()
        .strip_prefix("rtcroom-server listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    addr.parse().unwrap()
}

#[test]
fn binary_prints_the_listening_line_with_the_real_port() {
    let mut child = spawn(&["--addr", "127.0.0.1:0"]);
    let addr = listening_addr(&mut child);
    assert_ne!(addr.port(), 0);
    std::net::TcpStream::connect(addr).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
}

#[cfg(unix)]
#[test]
fn binary_exits_cleanly_on_sigterm() {
    let mut child = spawn(&["--addr", "127.0.0.1:0"]);
    listening_addr(&mut child);
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

#[test]
fn bad_arguments_exit_2_with_a_message_on_stderr() {
    let out = Command::new(env!("CARGO_BIN_EXE_rtcroom-server")).arg("--bogus").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--bogus"));
}

#[test]
fn bind_failure_exits_2() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_rtcroom-server"))
        .args(["--addr", &addr])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot listen"));
}

#[test]
fn help_prints_usage_and_exits_0() {
    let out = Command::new(env!("CARGO_BIN_EXE_rtcroom-server")).arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("--mount"));
}
