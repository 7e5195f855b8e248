//! A small mutational fuzzer that runs inside ordinary `#[test]`s.
//!
//! cargo-fuzz needs a nightly toolchain and libFuzzer's C++ runtime, which a
//! fresh machine running `scripts/test` does not have; this driver needs
//! nothing but std, so every decoder is fuzzed on every `cargo test`. It is
//! not coverage-guided: inputs come from a committed seed corpus
//! (`fuzz/corpus/<target>/`), byte- and token-level mutations of those seeds,
//! splices between them, and random JSON biased towards the protocol's keys.
//!
//! A run is bounded and reproducible: `RTCROOM_FUZZ_ITERS` inputs per target
//! (default [`DEFAULT_ITERS`]) from seed `RTCROOM_FUZZ_SEED` (default fixed),
//! or, with `RTCROOM_FUZZ_SECS`, as many as fit in that time from a seed
//! taken from the clock (printed, so a failure can be replayed). A failing
//! input (a panic, or a property the target checks) is written to
//! `target/fuzz-failures/` and [`run`] returns a [`FuzzError`] with the input
//! escaped, which fails the calling test.

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Inputs per target in a default `cargo test` run (about a second each).
pub const DEFAULT_ITERS: u64 = 20_000;
const DEFAULT_SEED: u64 = 0x5eed_0f7c_2009;

/// splitmix64: tiny, fast, and good enough to drive mutations.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    pub fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Tokens spliced into inputs: JSON syntax, the protocol's keys and values,
/// and values known to trouble parsers (huge numbers, lone surrogates,
/// control characters, deep nesting).
pub const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "\"",
    "\\",
    "null",
    "true",
    "false",
    "0",
    "-1",
    "-0",
    "1e999",
    "-1e999",
    "18446744073709551616",
    "65535",
    "65536",
    "0.5",
    "1E2",
    "\"\"",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "\"\\udfff\\ud800\"",
    "\"\\u00e9\"",
    "\u{0}",
    "\u{7f}",
    "\u{85}",
    "\u{feff}",
    "\u{10ffff}",
    "\"type\"",
    "\"join\"",
    "\"signal\"",
    "\"update\"",
    "\"leave\"",
    "\"ping\"",
    "\"welcome\"",
    "\"peer-joined\"",
    "\"peer-left\"",
    "\"peer-updated\"",
    "\"error\"",
    "\"pong\"",
    "\"room\"",
    "\"name\"",
    "\"token\"",
    "\"meta\"",
    "\"resume\"",
    "\"to\"",
    "\"from\"",
    "\"data\"",
    "\"kind\"",
    "\"description\"",
    "\"candidate\"",
    "\"end-of-candidates\"",
    "\"tracks\"",
    "\"sdp\"",
    "\"offer\"",
    "\"answer\"",
    "\"rollback\"",
    "\"sdpMid\"",
    "\"sdpMLineIndex\"",
    "\"usernameFragment\"",
    "\"stream\"",
    "\"source\"",
    "\"camera\"",
    "\"screen-audio\"",
    "\"video\"",
    "\"audio\"",
    "\"id\"",
    "\"peers\"",
    "\"session\"",
    "\"iceServers\"",
    "\"urls\"",
    "\"code\"",
    "\"message\"",
    "\"reason\"",
    "\"resumed\"",
    "\"resumeGraceMs\"",
    "\"timeout\"",
    "\"unknown-target\"",
    "[[[[[[[[[[[[[[[[",
    "]]]]]]]]]]]]]]]]",
    "{\"a\":{\"a\":{\"a\":{\"a\":",
    "\r\n",
    "a=mid:",
    "m=video 9 UDP/TLS/RTP/SAVPF 96",
    "a=ice-ufrag:",
    " ufrag ",
    ".local",
    ".",
    "v1.",
    "=",
    "-",
    "_",
    "+",
    "/",
];

fn json_string(rng: &mut Rng) -> String {
    let raw = *rng.pick(&[
        "",
        "p1",
        "demo",
        "Ada",
        "x",
        "ünï",
        "a\\nb",
        "\\u0000",
        "\\ud83d\\ude00",
        "\\ud800",
        "offer",
        "camera",
        "v1.AA.AA.1.AA",
        "candidate:1 1 udp 1 127.0.0.1 9 typ host",
    ]);
    let raw = if rng.chance(16) { raw.repeat(rng.below(300)) } else { raw.to_string() };
    format!("\"{raw}\"")
}

/// Random JSON, mostly objects with the protocol's keys and values.
pub fn gen_json(rng: &mut Rng, depth: usize) -> String {
    let leaf = depth == 0 || rng.chance(3);
    match (leaf, rng.below(8)) {
        (true, 0) => "null".into(),
        (true, 1) => rng.pick(&["true", "false"]).to_string(),
        (true, 2) => rng.pick(&["0", "-1", "7", "65536", "1e999", "0.25", "-0"]).to_string(),
        (true, 3..=5) => {
            let t = *rng.pick(TOKENS);
            if t.starts_with('"') {
                t.to_string()
            } else {
                json_string(rng)
            }
        }
        (true, _) => json_string(rng),
        (false, 0 | 1) => {
            let items: Vec<String> = (0..rng.below(4)).map(|_| gen_json(rng, depth - 1)).collect();
            format!("[{}]", items.join(","))
        }
        (false, _) => {
            let keys = [
                "\"type\"",
                "\"room\"",
                "\"name\"",
                "\"meta\"",
                "\"resume\"",
                "\"to\"",
                "\"from\"",
                "\"data\"",
                "\"kind\"",
                "\"sdp\"",
                "\"candidate\"",
                "\"sdpMLineIndex\"",
                "\"tracks\"",
                "\"id\"",
                "\"peers\"",
                "\"session\"",
                "\"code\"",
                "\"message\"",
                "\"peer\"",
                "\"reason\"",
                "\"iceServers\"",
                "\"urls\"",
                "\"x\"",
            ];
            let fields: Vec<String> = (0..rng.below(6))
                .map(|_| format!("{}:{}", rng.pick(&keys), gen_json(rng, depth - 1)))
                .collect();
            format!("{{{}}}", fields.join(","))
        }
    }
}

/// One mutation of `input`; `corpus` supplies splice partners.
pub fn mutate(rng: &mut Rng, input: &[u8], corpus: &[Vec<u8>]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = out.len();
        let at = rng.below(len + 1);
        match rng.below(10) {
            0 if len > 0 => {
                let i = rng.below(len);
                out[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                out[i] = rng.next_u64() as u8;
            }
            2 => out.insert(at, rng.next_u64() as u8),
            3 if len > 0 => {
                let end = (at + 1 + rng.below(16)).min(len);
                out.drain(at.min(end)..end);
            }
            4 if len > 0 => {
                let start = rng.below(len);
                let end = (start + 1 + rng.below(64)).min(len);
                let chunk = out[start..end].to_vec();
                let times = if rng.chance(8) { 1 + rng.below(64) } else { 1 };
                for _ in 0..times {
                    out.splice(at..at, chunk.iter().copied());
                }
            }
            5 if !corpus.is_empty() => {
                let other = rng.pick(corpus);
                let from = rng.below(other.len() + 1);
                let tail = &other[from..];
                out.truncate(at);
                out.extend_from_slice(tail);
            }
            6 => out.truncate(at),
            _ => {
                let token = rng.pick(TOKENS).as_bytes();
                out.splice(at..at, token.iter().copied());
            }
        }
    }
    out
}

/// Why a run failed; its text is what a failing test shows.
#[non_exhaustive]
pub enum FuzzError {
    /// The seed directory could not be read.
    Corpus { dir: PathBuf, source: std::io::Error },
    /// The seed directory holds no readable file: the run would test nothing.
    EmptyCorpus { dir: PathBuf },
    /// An input made the target panic or fail a property.
    Failed {
        target: String,
        /// 1-based position of the input in the run.
        input_no: u64,
        seed: u64,
        why: String,
        input: Vec<u8>,
        /// Where the input was written, or why it was not.
        saved: String,
    },
}

impl fmt::Display for FuzzError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FuzzError::Corpus { dir, source } => write!(f, "corpus {}: {source}", dir.display()),
            FuzzError::EmptyCorpus { dir } => write!(f, "corpus {} is empty", dir.display()),
            FuzzError::Failed { target, input_no, seed, why, input, saved } => write!(
                f,
                "fuzz target `{target}` failed on input #{input_no} (seed {seed}): {why}\ninput: {:?}\nsaved: {saved}",
                String::from_utf8_lossy(input)
            ),
        }
    }
}

/// The message itself: a test returning this error prints its `Debug`.
impl fmt::Debug for FuzzError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for FuzzError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FuzzError::Corpus { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// The seed files of `fuzz/corpus/<target>/`, sorted by name.
pub fn corpus(target: &str) -> Result<Vec<Vec<u8>>, FuzzError> {
    let dir = corpus_dir().join(target);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(source) => return Err(FuzzError::Corpus { dir, source }),
    };
    let mut names: Vec<PathBuf> =
        entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect();
    names.sort();
    let seeds: Vec<Vec<u8>> = names.iter().filter_map(|p| std::fs::read(p).ok()).collect();
    if seeds.is_empty() {
        return Err(FuzzError::EmptyCorpus { dir });
    }
    Ok(seeds)
}

pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// How long a run lasts.
#[derive(Debug, Clone, Copy)]
pub enum Budget {
    Iters(u64),
    Time(Duration),
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

/// The budget and seed the environment asks for.
pub fn settings() -> (Budget, u64) {
    if let Some(secs) = std::env::var("RTCROOM_FUZZ_SECS").ok().and_then(|v| v.parse::<f64>().ok())
    {
        let clock = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
        let seed = env_u64("RTCROOM_FUZZ_SEED").unwrap_or(clock);
        return (Budget::Time(Duration::from_secs_f64(secs.max(0.0))), seed);
    }
    let iters = env_u64("RTCROOM_FUZZ_ITERS").unwrap_or(DEFAULT_ITERS);
    (Budget::Iters(iters), env_u64("RTCROOM_FUZZ_SEED").unwrap_or(DEFAULT_SEED))
}

/// What a run did.
#[derive(Debug, Clone, Copy, Default)]
pub struct Report {
    pub inputs: u64,
    /// Inputs the target accepted (decoded) rather than refused.
    pub accepted: u64,
}

/// Feeds `target` every seed, then generated and mutated inputs until the
/// budget is spent. `target` returns `Ok(true)` when it decoded the input,
/// `Ok(false)` when it refused it with a typed error, and `Err` when a
/// property failed; a panic is a failure too. The first failing input ends
/// the run with [`FuzzError::Failed`].
pub fn run(
    name: &str,
    mut target: impl FnMut(&[u8]) -> Result<bool, String>,
) -> Result<Report, FuzzError> {
    let (budget, seed) = settings();
    let seeds = corpus(name)?;
    let mut rng = Rng::new(seed ^ fnv(name.as_bytes()));
    let started = Instant::now();
    let mut report = Report::default();
    // Inputs that decoded are mutated further: they reach deeper code.
    let mut pool: Vec<Vec<u8>> = seeds.clone();
    let mut i: u64 = 0;
    loop {
        let input = if (i as usize) < seeds.len() {
            seeds[i as usize].clone()
        } else {
            match budget {
                Budget::Iters(n) if i >= n => break,
                Budget::Time(d) if started.elapsed() >= d => break,
                _ => {}
            }
            if rng.chance(5) {
                gen_json(&mut rng, 4).into_bytes()
            } else {
                let base = rng.pick(&pool).clone();
                mutate(&mut rng, &base, &seeds)
            }
        };
        i += 1;
        let outcome = catch_unwind(AssertUnwindSafe(|| target(&input)));
        let failure = match outcome {
            Ok(Ok(accepted)) => {
                report.inputs += 1;
                if accepted {
                    report.accepted += 1;
                    if pool.len() < 4096 && input.len() < 64 * 1024 && rng.chance(4) {
                        pool.push(input.clone());
                    }
                }
                None
            }
            Ok(Err(property)) => Some(property),
            Err(panic) => Some(format!(
                "panicked: {}",
                panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default()
            )),
        };
        if let Some(why) = failure {
            let saved = save_failure(name, &input);
            return Err(FuzzError::Failed {
                target: name.to_owned(),
                input_no: i,
                seed,
                why,
                input,
                saved,
            });
        }
    }
    eprintln!(
        "fuzz `{name}`: {} inputs ({} decoded) in {:.2?}, seed {seed}",
        report.inputs,
        report.accepted,
        started.elapsed()
    );
    Ok(report)
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3))
}

fn save_failure(name: &str, input: &[u8]) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/fuzz-failures");
    let path = dir.join(format!("{name}-{:016x}", fnv(input)));
    match std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, input)) {
        Ok(()) => path.display().to_string(),
        Err(e) => format!("(not saved: {e})"),
    }
}

/// Bytes as the text a WebSocket text frame would carry: invalid UTF-8 never
/// reaches a decoder (the socket layer refuses it with 1007), so a target
/// maps it to the replacement character instead of skipping it.
pub fn as_text(input: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_inputs() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let seeds = vec![b"{\"type\":\"ping\"}".to_vec()];
        for _ in 0..100 {
            assert_eq!(mutate(&mut a, &seeds[0], &seeds), mutate(&mut b, &seeds[0], &seeds));
            assert_eq!(gen_json(&mut a, 3), gen_json(&mut b, 3));
        }
    }

    /// The target panics on purpose (through `assert!`, as a target under
    /// test would): `run` must catch it and report it as an error.
    #[test]
    fn a_target_that_panics_is_reported_with_its_input() -> Result<(), Box<dyn std::error::Error>> {
        let outcome = run("frames", |input| {
            assert!(!input.is_empty(), "empty");
            assert!(!input.starts_with(b"{"), "boom");
            Ok(true)
        });
        let Err(err) = outcome else {
            return Err("the run must fail".into());
        };
        let text = err.to_string();
        assert!(text.contains("boom") && text.contains("input:"), "{text}");
        Ok(())
    }
}
