//! Server settings and the hand-written command-line parser.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

pub const DEFAULT_ADDR: &str = "127.0.0.1:8787";
pub const DEFAULT_MAX_FRAME: usize = 65536;
pub const DEFAULT_HEARTBEAT_SECS: u64 = 15;
pub const DEFAULT_RATE_LIMIT: u32 = 200;
pub const DEFAULT_RESUME_GRACE_SECS: u64 = 20;
pub const DEFAULT_CRASH_GRACE_SECS: u64 = 5;
pub const DEFAULT_JOIN_TIMEOUT_SECS: u64 = 10;
pub const DEFAULT_MAX_CONNECTIONS: usize = 10_000;
pub const DEFAULT_MAX_CONNECTIONS_PER_IP: usize = 256;
pub const DEFAULT_MAX_QUEUE_BYTES: usize = 1024 * 1024;
pub const DEFAULT_MAX_QUEUE_FRAMES: usize = 1024;
pub const DEFAULT_TURN_TTL_SECS: u64 = 3600;
/// Join tokens live at most this long (the hub refuses longer ones).
pub const MAX_TOKEN_TTL_SECS: u64 = 4 * 3600;
/// Environment variable read for the secret when `--secret` is absent.
pub const SECRET_ENV: &str = "RTCROOM_SECRET";

pub const USAGE: &str = "\
rtcroom-server: WebSocket signaling for rtcroom, plus static files

USAGE:
    rtcroom-server [OPTIONS]
    rtcroom-server token --room ROOM --identity ID [--name NAME] [--ttl DURATION]
                         [--no-publish] [--no-subscribe] [--no-data] [--secret KEY]
        Prints a join token (JWT HS256) signed with --secret or RTCROOM_SECRET.
        DURATION: 90, 90s, 10m or 1h; default 1h, at most 4h.

OPTIONS:
    --addr HOST:PORT         Listen address (default 127.0.0.1:8787; port 0 picks a free port)
    --mount /PREFIX=DIR      Serve DIR under URL /PREFIX (repeatable), e.g. --mount /=examples/vanilla
    --max-frame BYTES        Largest accepted text frame (default 65536); larger ones get
                             frame-too-large, and above 4x this the connection closes with 1009
    --heartbeat-secs N       WebSocket ping interval; clients silent for 2 intervals are closed
                             with 4000 (default 15)
    --resume-grace-secs N    How long a participant whose socket closed or went silent can resume
                             before the others see it leave (default 20)
    --crash-grace-secs N     The same when the socket ended without a close frame or with 1001
                             (going away: tab closed or browser killed) (default 5)
    --join-timeout-secs N    Close connections that have not joined a room within N s with 4001
                             (default 10)
    --max-connections N      WebSocket connections at once; more are refused with 4003 (default 10000)
    --max-connections-per-ip N
                             The same per client IPv4 address or IPv6 /64, refused with 4004
                             (default 256)
    --max-queue-bytes BYTES  Bytes queued for one slow reader before it is closed with 4002
                             (default 1048576)
    --max-queue-frames N     Frames queued for one slow reader, likewise (default 1024)
    --secret HEX_OR_TEXT     Key of the join tokens (JWT HS256) and of the session (resume) tokens;
                             also env RTCROOM_SECRET. Even-length hex is decoded, anything else used
                             as text. With a key, joining needs a join token for the room. Without
                             one the server runs in DEV MODE: anyone joins or creates any room with
                             every grant, and a random key signs session tokens (they do not survive
                             a restart); a warning is printed
    --open-rooms             DEV ONLY: keep joins token-free even with --secret (test tiers that
                             restart the server with a fixed key); a warning is printed
    --turn-url URL           TURN server handed out in welcome.iceServers (repeatable), e.g.
                             turn:turn.example.com:3478?transport=udp; needs --turn-secret
    --turn-secret KEY        coturn's static-auth-secret (use-auth-secret): credentials are
                             expiry:participant-id / base64(HMAC-SHA1(KEY, username)); also env
                             RTCROOM_TURN_SECRET
    --turn-ttl DURATION      Lifetime of a TURN credential from its welcome (default 1h); a resume
                             gets fresh ones
    --allow-origin ORIGIN    Accept WebSocket upgrades only from this Origin (repeatable), e.g.
                             https://app.example.com; others get HTTP 403. None: every origin
                             (logged). Requests without Origin (not browsers) are accepted
    --redis URL              Share rooms with the other nodes on this Redis (pub/sub backplane),
                             e.g. redis://127.0.0.1:6379. Participants of one room may connect to
                             any node; a participant resumes on any node (give every node the same
                             --secret). A node silent for 3.5 s is dead: its participants are
                             suspended for the resume grace on the others
    --log-format text|json   Logs on stderr: text lines (default) or one JSON object per line,
                             with fields (conn, room, participant, reason); RUST_LOG filters them
                             (default info; e.g. RUST_LOG=rtcroom_server=debug)
    --node-id ID             This node's name on the backplane (letters, digits, . _ -); default
                             random
    -h, --help               Print this help

The WebSocket endpoint is /ws; /metrics serves counters in the Prometheus text
format. On start one line is printed to stdout:
    rtcroom-server listening on http://ADDR
";

/// One static directory served under a URL prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// Normalized: starts with `/`, no trailing `/` except the root itself.
    pub prefix: String,
    pub dir: PathBuf,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub mounts: Vec<Mount>,
    pub max_frame: usize,
    /// Ping interval; a connection silent for two intervals is dropped.
    pub heartbeat: Duration,
    /// Frames per second per connection before `rate-limited`.
    pub rate_limit: u32,
    /// Suspension of a participant whose socket closed or timed out.
    pub resume_grace: Duration,
    /// Suspension of a participant whose socket ended without a close frame.
    pub crash_grace: Duration,
    /// Session-token key; `None`: a random one per run.
    pub secret: Option<Vec<u8>>,
    /// How long a session token is valid after its `welcome` (no flag).
    pub token_lifetime: Duration,
    /// Bytes waiting to be written to one connection before it is closed
    /// as a slow consumer.
    pub max_queue_bytes: usize,
    /// Frames waiting to be written to one connection, likewise.
    pub max_queue_frames: usize,
    /// A connection that has not joined a room within this is closed (4001).
    pub join_timeout: Duration,
    /// WebSocket connections served at once; more are refused (4003).
    pub max_connections: usize,
    /// The same per client IP address (4004).
    pub max_connections_per_ip: usize,
    /// Joins need no token even with a secret (dev/test only).
    pub open_rooms: bool,
    /// TURN servers and their shared secret; credentials go in `welcome`.
    pub turn_urls: Vec<String>,
    pub turn_secret: Option<Vec<u8>>,
    pub turn_ttl: Duration,
    /// Origins whose browsers may open `/ws`; empty: any.
    pub allowed_origins: Vec<String>,
    /// The Redis backplane shared with other nodes.
    pub redis_url: Option<String>,
    /// This node's backplane name; `None`: random.
    pub node_id: Option<String>,
    pub log_format: crate::logging::LogFormat,
}

impl Config {
    /// Whether a fresh join needs a join token.
    pub fn requires_join_token(&self) -> bool {
        self.secret.is_some() && !self.open_rooms
    }
}

/// `rtcroom-server token …`: what to put in the join token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    pub room: String,
    pub identity: String,
    pub name: Option<String>,
    pub ttl: Duration,
    pub grants: rtcroom_proto::Grants,
    pub secret: Vec<u8>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 8787)),
            mounts: Vec::new(),
            max_frame: DEFAULT_MAX_FRAME,
            heartbeat: Duration::from_secs(DEFAULT_HEARTBEAT_SECS),
            rate_limit: DEFAULT_RATE_LIMIT,
            resume_grace: Duration::from_secs(DEFAULT_RESUME_GRACE_SECS),
            crash_grace: Duration::from_secs(DEFAULT_CRASH_GRACE_SECS),
            secret: None,
            token_lifetime: Duration::from_secs(4 * 60 * 60),
            max_queue_bytes: DEFAULT_MAX_QUEUE_BYTES,
            max_queue_frames: DEFAULT_MAX_QUEUE_FRAMES,
            join_timeout: Duration::from_secs(DEFAULT_JOIN_TIMEOUT_SECS),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_connections_per_ip: DEFAULT_MAX_CONNECTIONS_PER_IP,
            open_rooms: false,
            turn_urls: Vec::new(),
            turn_secret: None,
            turn_ttl: Duration::from_secs(DEFAULT_TURN_TTL_SECS),
            allowed_origins: Vec::new(),
            redis_url: None,
            node_id: None,
            log_format: crate::logging::LogFormat::Text,
        }
    }
}

/// What the command line asks for.
#[derive(Debug)]
// Built once at start-up; boxing the config would only complicate callers.
#[allow(clippy::large_enum_variant)]
pub enum Command {
    Run(Config),
    /// Print a join token.
    Token(TokenRequest),
    Help,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("unknown argument `{0}` (try --help)")]
    UnknownArg(String),
    #[error("{0} needs a value")]
    MissingValue(&'static str),
    #[error("invalid --addr `{0}`: expected HOST:PORT, e.g. 127.0.0.1:8787")]
    BadAddr(String),
    #[error("invalid --mount `{0}`: expected /PREFIX=DIR")]
    BadMount(String),
    #[error(
        "invalid --mount prefix `{0}`: use plain path segments without `.`, `..`, `{{`, `}}`, `*`"
    )]
    BadPrefix(String),
    #[error("--mount prefix `{0}` given twice")]
    DuplicateMount(String),
    #[error("--mount prefix `{0}` is taken by the server (`/ws`: WebSocket, `/metrics`: metrics)")]
    ReservedPrefix(String),
    #[error("invalid {0} `{1}`: expected a positive integer")]
    BadNumber(&'static str, String),
    #[error("invalid {0} `{1}`: expected a whole number of seconds")]
    BadSeconds(&'static str, String),
    #[error("the session secret must not be empty")]
    EmptySecret,
    #[error("invalid {0} `{1}`: expected a duration such as 90, 90s, 10m or 1h")]
    BadDuration(&'static str, String),
    #[error("--turn-url and --turn-secret go together")]
    TurnIncomplete,
    #[error("token: {0} is required")]
    TokenMissing(&'static str),
    #[error("token: --ttl must be more than 0 and at most 4h")]
    TokenTtl,
    #[error("invalid --log-format `{0}`: expected text or json")]
    BadLogFormat(String),
    #[error("invalid --redis `{0}`: expected redis://HOST:PORT")]
    BadRedis(String),
    #[error("invalid --node-id `{0}`: use 1 to 64 letters, digits, `.`, `_`, `-`")]
    BadNodeId(String),
    #[error(
        "invalid --allow-origin `{0}`: expected scheme://host[:port], e.g. https://app.example.com"
    )]
    BadOrigin(String),
}

/// Parses arguments without the program name (the environment is not read).
pub fn parse_args<I>(args: I) -> Result<Command, ConfigError>
where
    I: IntoIterator<Item = String>,
{
    parse_args_with_env(args, None)
}

/// Parses arguments; `env_secret` is the value of [`SECRET_ENV`], used
/// unless `--secret` is given.
pub fn parse_args_with_env<I>(args: I, env_secret: Option<String>) -> Result<Command, ConfigError>
where
    I: IntoIterator<Item = String>,
{
    parse_args_with_envs(args, env_secret, None)
}

/// Like [`parse_args_with_env`], also given [`TURN_SECRET_ENV`].
pub fn parse_args_with_envs<I>(
    args: I,
    env_secret: Option<String>,
    env_turn_secret: Option<String>,
) -> Result<Command, ConfigError>
where
    I: IntoIterator<Item = String>,
{
    let mut config = Config::default();
    if let Some(v) = env_secret {
        config.secret = Some(parse_secret(&v)?);
    }
    if let Some(v) = env_turn_secret {
        config.turn_secret = Some(parse_secret(&v)?);
    }
    let mut args = args.into_iter().peekable();
    if args.peek().is_some_and(|a| a == "token") {
        args.next();
        return parse_token_args(args, config.secret).map(Command::Token);
    }
    while let Some(arg) = args.next() {
        // Accept both `--flag value` and `--flag=value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &'static str| {
            inline.clone().or_else(|| args.next()).ok_or(ConfigError::MissingValue(name))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--addr" => {
                let v = value("--addr")?;
                config.addr = v.parse().map_err(|_| ConfigError::BadAddr(v))?;
            }
            "--mount" => {
                let mount = parse_mount(&value("--mount")?)?;
                if config.mounts.iter().any(|m| m.prefix == mount.prefix) {
                    return Err(ConfigError::DuplicateMount(mount.prefix));
                }
                config.mounts.push(mount);
            }
            "--max-frame" => config.max_frame = positive("--max-frame", &value("--max-frame")?)?,
            "--heartbeat-secs" => {
                let secs = positive("--heartbeat-secs", &value("--heartbeat-secs")?)?;
                config.heartbeat = Duration::from_secs(secs);
            }
            "--resume-grace-secs" => {
                config.resume_grace =
                    seconds("--resume-grace-secs", &value("--resume-grace-secs")?)?;
            }
            "--crash-grace-secs" => {
                config.crash_grace = seconds("--crash-grace-secs", &value("--crash-grace-secs")?)?;
            }
            "--join-timeout-secs" => {
                let secs = positive("--join-timeout-secs", &value("--join-timeout-secs")?)?;
                config.join_timeout = Duration::from_secs(secs);
            }
            "--max-connections" => {
                config.max_connections =
                    positive("--max-connections", &value("--max-connections")?)?;
            }
            "--max-connections-per-ip" => {
                config.max_connections_per_ip =
                    positive("--max-connections-per-ip", &value("--max-connections-per-ip")?)?;
            }
            "--max-queue-bytes" => {
                config.max_queue_bytes =
                    positive("--max-queue-bytes", &value("--max-queue-bytes")?)?;
            }
            "--max-queue-frames" => {
                config.max_queue_frames =
                    positive("--max-queue-frames", &value("--max-queue-frames")?)?;
            }
            "--secret" => config.secret = Some(parse_secret(&value("--secret")?)?),
            "--open-rooms" => config.open_rooms = true,
            "--turn-url" => config.turn_urls.push(value("--turn-url")?),
            "--turn-secret" => config.turn_secret = Some(parse_secret(&value("--turn-secret")?)?),
            "--turn-ttl" => config.turn_ttl = duration("--turn-ttl", &value("--turn-ttl")?)?,
            "--allow-origin" => {
                let v = value("--allow-origin")?;
                config.allowed_origins.push(parse_origin(&v)?);
            }
            "--redis" => {
                let v = value("--redis")?;
                if !v.starts_with("redis://") || v.len() <= "redis://".len() {
                    return Err(ConfigError::BadRedis(v));
                }
                config.redis_url = Some(v);
            }
            "--log-format" => {
                config.log_format = match value("--log-format")?.as_str() {
                    "text" => crate::logging::LogFormat::Text,
                    "json" => crate::logging::LogFormat::Json,
                    other => return Err(ConfigError::BadLogFormat(other.to_owned())),
                };
            }
            "--node-id" => {
                let v = value("--node-id")?;
                let ok = (1..=64).contains(&v.len())
                    && v.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
                if !ok {
                    return Err(ConfigError::BadNodeId(v));
                }
                config.node_id = Some(v);
            }
            _ => return Err(ConfigError::UnknownArg(arg)),
        }
    }
    if config.turn_urls.is_empty() != config.turn_secret.is_none() {
        return Err(ConfigError::TurnIncomplete);
    }
    Ok(Command::Run(config))
}

/// Environment variable read for the TURN secret when `--turn-secret` is absent.
pub const TURN_SECRET_ENV: &str = "RTCROOM_TURN_SECRET";

fn parse_token_args(
    args: impl Iterator<Item = String>,
    env_secret: Option<Vec<u8>>,
) -> Result<TokenRequest, ConfigError> {
    let (mut room, mut identity, mut name) = (None, None, None);
    let mut ttl = Duration::from_secs(3600);
    let mut grants = rtcroom_proto::Grants::default();
    let mut secret = env_secret;
    let mut args = args;
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &'static str| {
            inline.clone().or_else(|| args.next()).ok_or(ConfigError::MissingValue(name))
        };
        match flag.as_str() {
            "--room" => room = Some(value("--room")?),
            "--identity" => identity = Some(value("--identity")?),
            "--name" => name = Some(value("--name")?),
            "--ttl" => ttl = duration("--ttl", &value("--ttl")?)?,
            "--secret" => secret = Some(parse_secret(&value("--secret")?)?),
            "--no-publish" => grants.can_publish = false,
            "--no-subscribe" => grants.can_subscribe = false,
            "--no-data" => grants.can_publish_data = false,
            _ => return Err(ConfigError::UnknownArg(arg)),
        }
    }
    if ttl.is_zero() || ttl > Duration::from_secs(MAX_TOKEN_TTL_SECS) {
        return Err(ConfigError::TokenTtl);
    }
    Ok(TokenRequest {
        room: room.filter(|r| !r.is_empty()).ok_or(ConfigError::TokenMissing("--room"))?,
        identity: identity
            .filter(|i| !i.is_empty())
            .ok_or(ConfigError::TokenMissing("--identity"))?,
        name,
        ttl,
        grants,
        secret: secret.ok_or(ConfigError::TokenMissing("--secret (or RTCROOM_SECRET)"))?,
    })
}

/// `90`, `90s`, `10m`, `1h`.
fn duration(name: &'static str, v: &str) -> Result<Duration, ConfigError> {
    let bad = || ConfigError::BadDuration(name, v.to_owned());
    let (digits, unit) = match v.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => (v.get(..i).ok_or_else(bad)?, v.get(i..).ok_or_else(bad)?),
        None => (v, "s"),
    };
    let n: u64 = digits.parse().map_err(|_| bad())?;
    let secs = match unit {
        "s" => Some(n),
        "m" => n.checked_mul(60),
        "h" => n.checked_mul(3600),
        _ => None,
    };
    secs.map(Duration::from_secs).ok_or_else(bad)
}

/// An origin as browsers send it: `scheme://host[:port]`, no path, lowercase.
fn parse_origin(v: &str) -> Result<String, ConfigError> {
    let bad = || ConfigError::BadOrigin(v.to_owned());
    let (scheme, rest) = v.split_once("://").ok_or_else(bad)?;
    let ok_scheme = !scheme.is_empty()
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    if !ok_scheme || rest.is_empty() || rest.contains(['/', '?', '#', ' ']) {
        return Err(bad());
    }
    Ok(v.to_ascii_lowercase())
}

fn positive<T: std::str::FromStr + PartialOrd + Default>(
    name: &'static str,
    v: &str,
) -> Result<T, ConfigError> {
    match v.parse::<T>() {
        Ok(n) if n > T::default() => Ok(n),
        _ => Err(ConfigError::BadNumber(name, v.to_owned())),
    }
}

/// Zero is allowed: a dropped participant then leaves at once.
fn seconds(name: &'static str, v: &str) -> Result<Duration, ConfigError> {
    v.parse::<u64>()
        .map(Duration::from_secs)
        .map_err(|_| ConfigError::BadSeconds(name, v.to_owned()))
}

/// Even-length hex is the key's bytes; any other text is used as is.
pub fn parse_secret(v: &str) -> Result<Vec<u8>, ConfigError> {
    if v.is_empty() {
        return Err(ConfigError::EmptySecret);
    }
    let is_hex = v.len().is_multiple_of(2) && v.bytes().all(|b| b.is_ascii_hexdigit());
    if !is_hex {
        return Ok(v.as_bytes().to_vec());
    }
    let bytes = (0..v.len())
        .step_by(2)
        .filter_map(|i| v.get(i..i + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok()))
        .collect();
    Ok(bytes)
}

/// `/prefix=dir`; the prefix is normalized so lookups can compare segments.
pub fn parse_mount(spec: &str) -> Result<Mount, ConfigError> {
    let Some((prefix, dir)) = spec.split_once('=') else {
        return Err(ConfigError::BadMount(spec.to_owned()));
    };
    if !prefix.starts_with('/') || dir.is_empty() {
        return Err(ConfigError::BadMount(spec.to_owned()));
    }
    let segments: Vec<&str> = prefix.split('/').filter(|s| !s.is_empty()).collect();
    let bad_segment =
        |s: &&str| *s == "." || *s == ".." || s.contains(['{', '}', '*', '?', '#', '%']);
    if segments.iter().any(bad_segment) {
        return Err(ConfigError::BadPrefix(prefix.to_owned()));
    }
    let prefix = format!("/{}", segments.join("/"));
    if prefix == "/ws" || prefix == "/metrics" {
        return Err(ConfigError::ReservedPrefix(prefix));
    }
    Ok(Mount { prefix, dir: PathBuf::from(dir) })
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn run(args: &[&str]) -> Result<Config, ConfigError> {
        match parse_args(args.iter().map(|s| s.to_string()))? {
            Command::Run(c) => Ok(c),
            Command::Help | Command::Token(_) => Err(ConfigError::UnknownArg("help".into())),
        }
    }

    #[test]
    fn defaults_apply_without_arguments() -> TestResult {
        let c = run(&[])?;
        assert_eq!(c.addr.to_string(), DEFAULT_ADDR);
        assert_eq!(c.max_frame, 65536);
        assert_eq!(c.heartbeat, Duration::from_secs(15));
        assert!(c.mounts.is_empty());
        assert_eq!(c.resume_grace, Duration::from_secs(20));
        assert_eq!(c.crash_grace, Duration::from_secs(5));
        assert_eq!(c.secret, None);
        assert_eq!((c.max_queue_bytes, c.max_queue_frames), (1 << 20, 1024));
        assert_eq!(c.join_timeout, Duration::from_secs(10));
        assert_eq!((c.max_connections, c.max_connections_per_ip), (10_000, 256));
        Ok(())
    }

    #[test]
    fn all_flags_parse_in_both_spellings() -> TestResult {
        let c = run(&[
            "--addr",
            "127.0.0.1:0",
            "--mount",
            "/=examples/vanilla",
            "--mount=/pkg/=pkg",
            "--max-frame=1024",
            "--heartbeat-secs",
            "3",
            "--resume-grace-secs",
            "30",
            "--crash-grace-secs=0",
            "--secret",
            "0aFf",
            "--max-queue-bytes=4096",
            "--max-queue-frames",
            "8",
            "--join-timeout-secs=3",
            "--max-connections",
            "50",
            "--max-connections-per-ip=5",
        ])?;
        assert_eq!(c.join_timeout, Duration::from_secs(3));
        assert_eq!((c.max_connections, c.max_connections_per_ip), (50, 5));
        assert_eq!((c.max_queue_bytes, c.max_queue_frames), (4096, 8));
        assert_eq!(c.resume_grace, Duration::from_secs(30));
        assert_eq!(c.crash_grace, Duration::ZERO);
        assert_eq!(c.secret, Some(vec![0x0a, 0xff]));
        assert_eq!(c.addr.port(), 0);
        assert_eq!(c.mounts[0], Mount { prefix: "/".into(), dir: "examples/vanilla".into() });
        assert_eq!(c.mounts[1], Mount { prefix: "/pkg".into(), dir: "pkg".into() });
        assert_eq!(c.max_frame, 1024);
        assert_eq!(c.heartbeat, Duration::from_secs(3));
        Ok(())
    }

    #[test]
    fn secret_is_hex_when_it_looks_like_hex_and_text_otherwise() -> TestResult {
        assert_eq!(parse_secret("00ff10")?, vec![0, 255, 16]);
        assert_eq!(parse_secret("abc")?, b"abc".to_vec());
        assert_eq!(parse_secret("correct horse")?, b"correct horse".to_vec());
        assert_eq!(parse_secret(""), Err(ConfigError::EmptySecret));
        Ok(())
    }

    #[test]
    fn secret_comes_from_the_environment_unless_the_flag_is_given() {
        let env = || Some("from-env".to_string());
        let run_env =
            |args: &[&str]| match parse_args_with_env(args.iter().map(|s| s.to_string()), env()) {
                Ok(Command::Run(c)) => c.secret,
                _ => None,
            };
        assert_eq!(run_env(&[]), Some(b"from-env".to_vec()));
        assert_eq!(run_env(&["--secret", "flag"]), Some(b"flag".to_vec()));
        assert!(matches!(
            parse_args_with_env(Vec::new(), Some(String::new())),
            Err(ConfigError::EmptySecret)
        ));
    }

    #[test]
    fn security_flags_parse() -> TestResult {
        let c = run(&[
            "--secret=k",
            "--turn-url",
            "turn:127.0.0.1:3478?transport=udp",
            "--turn-url=turn:127.0.0.1:3478?transport=tcp",
            "--turn-secret",
            "t",
            "--turn-ttl",
            "10m",
            "--allow-origin",
            "https://App.example.com",
            "--allow-origin=http://127.0.0.1:8080",
        ])?;
        assert!(c.requires_join_token());
        assert_eq!(c.turn_urls.len(), 2);
        assert_eq!(c.turn_secret, Some(b"t".to_vec()));
        assert_eq!(c.turn_ttl, Duration::from_secs(600));
        assert_eq!(c.allowed_origins, ["https://app.example.com", "http://127.0.0.1:8080"]);
        assert!(!run(&["--secret=k", "--open-rooms"])?.requires_join_token());
        assert!(!run(&[])?.requires_join_token());
        assert_eq!(run(&["--turn-url", "turn:x"]).err(), Some(ConfigError::TurnIncomplete));
        assert_eq!(run(&["--turn-secret", "t"]).err(), Some(ConfigError::TurnIncomplete));
        assert!(matches!(run(&["--turn-ttl", "5d"]), Err(ConfigError::BadDuration(..))));
        assert!(matches!(run(&["--allow-origin", "example.com"]), Err(ConfigError::BadOrigin(_))));
        assert!(matches!(run(&["--allow-origin", "https://a.b/"]), Err(ConfigError::BadOrigin(_))));
        Ok(())
    }

    #[test]
    fn the_token_subcommand_takes_room_identity_ttl_and_grants() -> TestResult {
        let parse = |args: &[&str], env: Option<&str>| {
            parse_args_with_env(args.iter().map(|s| s.to_string()), env.map(str::to_owned))
        };
        let Ok(Command::Token(t)) = parse(
            &[
                "token",
                "--room",
                "r",
                "--identity=alice",
                "--ttl",
                "2h",
                "--no-publish",
                "--no-data",
            ],
            Some("envkey"),
        ) else {
            return Err("not a token command".into());
        };
        assert_eq!((t.room.as_str(), t.identity.as_str()), ("r", "alice"));
        assert_eq!(t.ttl, Duration::from_secs(7200));
        assert_eq!(t.secret, b"envkey".to_vec());
        let g = t.grants;
        assert!(!g.can_publish && g.can_subscribe && !g.can_publish_data);
        assert!(matches!(
            parse(&["token", "--room", "r", "--identity", "a"], None),
            Err(ConfigError::TokenMissing(_))
        ));
        assert!(matches!(
            parse(&["token", "--room", "r", "--identity", "a", "--ttl", "5h"], Some("k")),
            Err(ConfigError::TokenTtl)
        ));
        assert!(matches!(
            parse(&["token", "--identity", "a"], Some("k")),
            Err(ConfigError::TokenMissing("--room"))
        ));
        Ok(())
    }

    #[test]
    fn the_backplane_takes_a_redis_url_and_a_node_id() -> TestResult {
        let c = run(&["--redis", "redis://127.0.0.1:6400", "--node-id", "east-1"])?;
        assert_eq!(c.redis_url.as_deref(), Some("redis://127.0.0.1:6400"));
        assert_eq!(c.node_id.as_deref(), Some("east-1"));
        assert!(matches!(run(&["--redis", "127.0.0.1:6400"]), Err(ConfigError::BadRedis(_))));
        assert!(matches!(run(&["--node-id", "a b"]), Err(ConfigError::BadNodeId(_))));
        assert!(matches!(run(&["--node-id", ""]), Err(ConfigError::BadNodeId(_))));
        assert_eq!(run(&[])?.redis_url, None);
        Ok(())
    }

    #[test]
    fn the_log_format_is_text_or_json() -> TestResult {
        use crate::logging::LogFormat;
        assert_eq!(run(&[])?.log_format, LogFormat::Text);
        assert_eq!(run(&["--log-format", "json"])?.log_format, LogFormat::Json);
        assert!(matches!(run(&["--log-format", "xml"]), Err(ConfigError::BadLogFormat(_))));
        Ok(())
    }

    #[test]
    fn help_is_recognized() {
        assert!(matches!(parse_args(["--help".to_string()]), Ok(Command::Help)));
        assert!(matches!(parse_args(["-h".to_string()]), Ok(Command::Help)));
    }

    #[test]
    fn bad_arguments_are_rejected() {
        assert_eq!(run(&["--bogus"]).err(), Some(ConfigError::UnknownArg("--bogus".into())));
        assert_eq!(run(&["--addr"]).err(), Some(ConfigError::MissingValue("--addr")));
        assert!(matches!(run(&["--addr", "nope"]), Err(ConfigError::BadAddr(_))));
        assert!(matches!(run(&["--max-frame", "0"]), Err(ConfigError::BadNumber(..))));
        assert!(matches!(run(&["--heartbeat-secs", "-1"]), Err(ConfigError::BadNumber(..))));
        assert!(matches!(run(&["--resume-grace-secs", "x"]), Err(ConfigError::BadSeconds(..))));
        assert!(matches!(run(&["--crash-grace-secs", "-1"]), Err(ConfigError::BadSeconds(..))));
        assert!(matches!(run(&["--join-timeout-secs", "0"]), Err(ConfigError::BadNumber(..))));
        assert!(matches!(run(&["--max-connections-per-ip", "x"]), Err(ConfigError::BadNumber(..))));
        assert!(matches!(run(&["--max-queue-frames", "0"]), Err(ConfigError::BadNumber(..))));
        assert_eq!(run(&["--secret"]).err(), Some(ConfigError::MissingValue("--secret")));
        assert!(matches!(run(&["--mount", "pkg=pkg"]), Err(ConfigError::BadMount(_))));
        assert!(matches!(run(&["--mount", "/a/../b=x"]), Err(ConfigError::BadPrefix(_))));
        assert!(matches!(run(&["--mount", "/{x}=x"]), Err(ConfigError::BadPrefix(_))));
        assert_eq!(
            run(&["--mount", "/ws=x"]).err(),
            Some(ConfigError::ReservedPrefix("/ws".into()))
        );
        assert!(matches!(run(&["--mount", "/metrics/=x"]), Err(ConfigError::ReservedPrefix(_))));
        assert!(matches!(
            run(&["--mount", "/a=x", "--mount", "/a/=y"]),
            Err(ConfigError::DuplicateMount(_))
        ));
    }
}
