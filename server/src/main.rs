//! `rtcroom-server` binary: parse arguments, bind, announce, serve.

use rtcroom_server::config::{parse_args_with_envs, SECRET_ENV, TURN_SECRET_ENV, USAGE};
use rtcroom_server::{shutdown, Command, Config, Server};
use std::io::Write;
use std::process::ExitCode;

/// Bad arguments and bind failures, as documented in `--help`.
const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
    let env_secret = std::env::var(SECRET_ENV).ok();
    let env_turn = std::env::var(TURN_SECRET_ENV).ok();
    let config = match parse_args_with_envs(std::env::args().skip(1), env_secret, env_turn) {
        Ok(Command::Run(config)) => config,
        Ok(Command::Token(req)) => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            return match rtcroom_server::token::mint(&req, now) {
                Ok(token) => {
                    let _ = writeln!(std::io::stdout(), "{token}");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(1, &e),
            };
        }
        Ok(Command::Help) => {
            let _ = std::io::stdout().write_all(USAGE.as_bytes());
            return ExitCode::SUCCESS;
        }
        Err(e) => return fail(EXIT_USAGE, &e),
    };
    rtcroom_server::logging::init(config.log_format);
    for m in &config.mounts {
        if !m.dir.is_dir() {
            // A warning, not an error: scripts may build the directory later.
            tracing::warn!(prefix = %m.prefix, dir = %m.dir.display(), "--mount directory does not exist (yet)");
        }
    }
    if config.secret.is_none() {
        tracing::warn!(
            env = SECRET_ENV,
            "DEV MODE: no --secret: anyone can join or create any room, with every grant, without \
             a join token; session tokens use a random key and will NOT survive a restart of this \
             server (nor be accepted by another node). Never run this way in production."
        );
    } else if config.open_rooms {
        tracing::warn!(
            "--open-rooms: joins need no join token although a secret is set (DEV ONLY)"
        );
    }
    if config.allowed_origins.is_empty() {
        tracing::info!("no --allow-origin: WebSocket upgrades are accepted from every origin");
    }
    if let Some(url) = &config.redis_url {
        tracing::info!(redis = %url, node = config.node_id.as_deref().unwrap_or("(random)"), "backplane enabled");
    }
    let runtime = match runtime_builder().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fail(1, &e),
    };
    runtime.block_on(serve(config))
}

/// One thread per CPU this process may use (its affinity: `taskset`,
/// cpusets). On one CPU, tokio's single-threaded scheduler: the same
/// program without work stealing and cross-thread wake-ups, which cost
/// CPU on every relayed frame and buy nothing there.
fn runtime_builder() -> tokio::runtime::Builder {
    match std::thread::available_parallelism().map(|n| n.get()) {
        Ok(1) => tokio::runtime::Builder::new_current_thread(),
        _ => tokio::runtime::Builder::new_multi_thread(),
    }
}

async fn serve(config: Config) -> ExitCode {
    let server = match Server::bind(config).await {
        Ok(s) => s,
        Err(e) => return fail(EXIT_USAGE, &e),
    };
    let stop = shutdown::signal();
    // Scripts read this exact line to learn the port; flush so a pipe sees it now.
    let mut out = std::io::stdout();
    let _ = writeln!(out, "rtcroom-server listening on http://{}", server.local_addr());
    let _ = out.flush();
    tracing::info!(addr = %server.local_addr(), "listening");
    match server.run(stop).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(1, &e),
    }
}

fn fail(code: u8, err: &dyn std::fmt::Display) -> ExitCode {
    // Before logging is set up (bad arguments) and after: plain stderr,
    // the one line a shell user must see.
    warn(&format!("rtcroom-server: {err}"));
    tracing::error!(error = %err, "exiting");
    ExitCode::from(code)
}

/// `eprintln!` panics if stderr is gone; a lost message is better.
fn warn(msg: &str) {
    let _ = writeln!(std::io::stderr(), "{msg}");
}
