//! Path-loss detection and the ICE-restart policy of one peer connection.
//!
//! The browser alone says `disconnected` 6–7.5 s after a path dies and
//! `failed` ~10 s later, and never restarts ICE by itself. We declare the
//! path lost much sooner from inbound bytes (periodic `getStats`): a
//! connection that was receiving steadily and then receives nothing for
//! [`STALL_AFTER`] is lost. ICE `failed` is a loss at once, `disconnected` after
//! [`DISCONNECTED_GRACE`].
//!
//! Only one side restarts, so the two restarts never collide: the impolite
//! side (the one whose offers win a collision) restarts at once; the polite
//! side waits [`TAKEOVER_AFTER`] for the remote's restart offer and restarts
//! itself only if none came. Attempts repeat on the schedule of
//! [`RETRY_AFTER`] until the path is back, and the connection is declared
//! failed after [`GIVE_UP_AFTER`]. While signaling is down an attempt cannot
//! reach the other side: it waits and runs once signaling is back.

use crate::core::types::Millis;

/// How often stats are polled while connected.
pub const STATS_INTERVAL: u64 = 400;
/// How often while recovering: bytes growing again are the first sign of a
/// path that came back without an ICE transition (a short loss), and media
/// waits for the key frames that sign asks for.
pub const RECOVERING_STATS_INTERVAL: u64 = 100;
/// How often a keep-alive byte goes out on the keep-alive channel.
pub const KEEPALIVE_INTERVAL: u64 = 200;
/// Inbound silence, after steady traffic, that means the path is lost.
pub const STALL_AFTER: u64 = 1_200;
/// Consecutive growing samples that make a connection "steadily receiving"
/// (armed): idle connections (consent checks only) never stall.
const ARM_AFTER_SAMPLES: u32 = 3;
/// How long ICE may stay `disconnected` before it counts as a loss.
pub const DISCONNECTED_GRACE: u64 = 1_000;
/// How long the polite side waits for the impolite side's restart offer.
pub const TAKEOVER_AFTER: u64 = 2_000;
/// Wait after attempt n (1-based, the last value repeats) before attempt n+1.
pub const RETRY_AFTER: [u64; 4] = [2_000, 2_000, 3_000, 4_000];
/// A path that has not come back this long after the loss has failed.
pub const GIVE_UP_AFTER: u64 = 60_000;

/// Why a path was declared lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LossReason {
    /// Inbound bytes stopped.
    MediaStalled,
    IceDisconnected,
    IceFailed,
}

impl LossReason {
    pub fn as_str(self) -> &'static str {
        match self {
            LossReason::MediaStalled => "media-stalled",
            LossReason::IceDisconnected => "ice-disconnected",
            LossReason::IceFailed => "ice-failed",
        }
    }
}

/// What the policy wants done now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// The path was lost: tell the app, recovery begins.
    Lost(LossReason),
    /// Call `restartIce()` (attempt n, 1-based).
    Restart { attempt: u32 },
    /// First evidence that the path is back (ICE connected again, or inbound
    /// bytes growing): once per loss. The far side lost its video references
    /// during the outage; without a fresh key frame its decoder waits ~2 s
    /// for its NACKs to give up before it asks for one.
    PathBack,
    /// The path is back.
    Recovered,
    /// The last attempt failed: the connection is given up.
    GiveUp,
}

#[derive(Debug)]
struct Recovering {
    since: Millis,
    /// Restarts asked for (by us) or seen (from the remote).
    attempts: u32,
    /// When the next attempt is due (`None`: waiting for signaling).
    next_at: Option<Millis>,
    /// [`Action::PathBack`] was emitted.
    path_back: bool,
}

#[derive(Debug)]
pub struct Recovery {
    impolite: bool,
    last_bytes: Option<u64>,
    last_growth: Millis,
    growing_samples: u32,
    armed: bool,
    disconnected_since: Option<Millis>,
    recovering: Option<Recovering>,
    signaling_up: bool,
    gave_up: bool,
    /// How long the first attempt waits after a loss seen from stalled
    /// bytes (ICE still connected): 0 for a mesh connection (the old
    /// session stays usable while a restart forms); see
    /// [`Recovery::with_stall_restart_delay`].
    stall_restart_delay: u64,
}

/// The side that acts at once (an SFU connection: Janus never restarts).
impl Default for Recovery {
    fn default() -> Self {
        Recovery::new(false)
    }
}

impl Recovery {
    pub fn new(polite: bool) -> Self {
        Recovery {
            impolite: !polite,
            last_bytes: None,
            last_growth: Millis(0),
            growing_samples: 0,
            armed: false,
            disconnected_since: None,
            recovering: None,
            signaling_up: true,
            gave_up: false,
            stall_restart_delay: 0,
        }
    }

    /// The first restart after a stall waits `ms` (an ICE failure still
    /// acts at once): for a server that drops the old ICE session when it
    /// restarts (Janus), where restarting during a short outage makes the
    /// media wait for the new session's checks instead of resuming at once.
    pub fn with_stall_restart_delay(mut self, ms: u64) -> Self {
        self.stall_restart_delay = ms;
        self
    }

    pub fn is_recovering(&self) -> bool {
        self.recovering.is_some()
    }
    pub fn attempts(&self) -> u32 {
        self.recovering.as_ref().map_or(0, |r| r.attempts)
    }

    /// A `getStats` sample: total bytes received on the connection.
    pub fn handle_bytes(&mut self, now: Millis, bytes: u64, out: &mut Vec<Action>) {
        if self.gave_up {
            return;
        }
        let grew = self.last_bytes.is_some_and(|b| bytes > b);
        self.last_bytes = Some(bytes);
        if grew {
            self.last_growth = now;
            self.growing_samples = self.growing_samples.saturating_add(1);
            if self.growing_samples >= ARM_AFTER_SAMPLES {
                self.armed = true;
            }
            self.path_back(out);
            if self.recovering.is_some() && self.growing_samples >= 2 {
                self.recovered(out);
            }
            return;
        }
        self.growing_samples = 0;
        if self.armed && self.recovering.is_none() && now.0 >= self.last_growth.0 + STALL_AFTER {
            self.lose(now, LossReason::MediaStalled, out);
        }
    }

    /// Inbound bytes stop being a liveness signal (nothing is expected to
    /// arrive any more): only ICE says whether the path is lost or back.
    pub fn disarm(&mut self) {
        self.armed = false;
        self.growing_samples = 0;
    }

    /// The path answered (ICE consent checks) while media is silent: the
    /// silence is the sender's, not the path's. Bytes stop being a signal
    /// until media flows steadily again, and a loss seen from them is over.
    pub fn handle_path_alive(&mut self, out: &mut Vec<Action>) {
        self.disarm();
        if self.recovering.is_some() {
            self.recovered(out);
        }
    }

    /// ICE reported `connected` or `completed`.
    pub fn handle_ice_connected(&mut self, out: &mut Vec<Action>) {
        self.disconnected_since = None;
        self.path_back(out);
        // After a stall ICE may still say `connected`: only bytes prove the
        // path unless the loss came from ICE itself.
        if self.recovering.is_some() && !self.armed {
            self.recovered(out);
        }
    }

    pub fn handle_ice_disconnected(&mut self, now: Millis) {
        if self.gave_up {
            return;
        }
        self.disconnected_since.get_or_insert(now);
    }

    pub fn handle_ice_failed(&mut self, now: Millis, out: &mut Vec<Action>) {
        if self.gave_up {
            return;
        }
        match &mut self.recovering {
            None => self.lose(now, LossReason::IceFailed, out),
            // The current attempt is over: the next one now.
            Some(r) => {
                if r.next_at.is_some() {
                    r.next_at = Some(now);
                }
            }
        }
    }

    /// The remote's ICE-restart offer arrived: its attempt counts as ours,
    /// and its next one is expected on the same schedule (plus slack, so the
    /// two never race).
    pub fn handle_remote_restart(&mut self, now: Millis) {
        if let Some(r) = &mut self.recovering {
            r.attempts = r.attempts.saturating_add(1);
            let wait = retry_after(r.attempts).saturating_add(TAKEOVER_AFTER);
            r.next_at = Some(now.saturating_add(wait));
        }
    }

    pub fn handle_signaling(&mut self, now: Millis, up: bool, out: &mut Vec<Action>) {
        self.signaling_up = up;
        if up {
            if let Some(r) = &mut self.recovering {
                if r.next_at.is_none() {
                    r.next_at = Some(now);
                }
            }
            self.handle_timeout(now, out);
        }
    }

    /// The app asked for a restart (`restartIce()`): one attempt, no loss.
    pub fn handle_app_restart(&mut self, out: &mut Vec<Action>) {
        out.push(Action::Restart { attempt: 0 });
    }

    #[must_use]
    pub fn poll_timeout(&self) -> Option<Millis> {
        if self.gave_up {
            return None;
        }
        let disconnected = self
            .disconnected_since
            .filter(|_| self.recovering.is_none())
            .map(|t| t.saturating_add(DISCONNECTED_GRACE));
        let recovery = self.recovering.as_ref().map(|r| {
            let give_up = r.since.saturating_add(GIVE_UP_AFTER);
            r.next_at.map_or(give_up, |t| t.min(give_up))
        });
        Millis::earliest(&[disconnected, recovery])
    }

    pub fn handle_timeout(&mut self, now: Millis, out: &mut Vec<Action>) {
        if self.gave_up {
            return;
        }
        if let Some(t) = self.disconnected_since {
            if self.recovering.is_none() && now.0 >= t.0 + DISCONNECTED_GRACE {
                self.lose(now, LossReason::IceDisconnected, out);
            }
        }
        let Some(r) = &mut self.recovering else {
            return;
        };
        if now.0 >= r.since.0 + GIVE_UP_AFTER {
            self.recovering = None;
            self.gave_up = true;
            out.push(Action::GiveUp);
            return;
        }
        if r.next_at.is_some_and(|t| t <= now) {
            if !self.signaling_up {
                r.next_at = None;
                return;
            }
            r.attempts = r.attempts.saturating_add(1);
            r.next_at = Some(now.saturating_add(retry_after(r.attempts)));
            out.push(Action::Restart { attempt: r.attempts });
        }
    }

    fn lose(&mut self, now: Millis, reason: LossReason, out: &mut Vec<Action>) {
        // The impolite side acts at once; the polite side gives it time.
        let wait = match reason {
            LossReason::MediaStalled => self.stall_restart_delay,
            _ => 0,
        };
        let first = if self.impolite {
            now.saturating_add(wait)
        } else {
            now.saturating_add(TAKEOVER_AFTER.max(wait))
        };
        let next_at = self.signaling_up.then_some(first);
        self.recovering = Some(Recovering { since: now, attempts: 0, next_at, path_back: false });
        self.growing_samples = 0;
        out.push(Action::Lost(reason));
        self.handle_timeout(now, out);
    }

    fn path_back(&mut self, out: &mut Vec<Action>) {
        if let Some(r) = &mut self.recovering {
            if !r.path_back {
                r.path_back = true;
                out.push(Action::PathBack);
            }
        }
    }

    fn recovered(&mut self, out: &mut Vec<Action>) {
        self.recovering = None;
        self.disconnected_since = None;
        out.push(Action::Recovered);
    }
}

fn retry_after(attempt: u32) -> u64 {
    let i = (attempt.max(1) - 1) as usize;
    RETRY_AFTER.get(i).or(RETRY_AFTER.last()).copied().unwrap_or(2_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steady(r: &mut Recovery, from: u64, to: u64) -> Vec<Action> {
        let mut out = Vec::new();
        let mut t = from;
        while t <= to {
            r.handle_bytes(Millis(t), t * 10, &mut out);
            t += STATS_INTERVAL;
        }
        out
    }

    #[test]
    fn an_idle_connection_never_stalls() {
        let mut r = Recovery::new(false);
        let mut out = Vec::new();
        // Consent checks: a few bytes every 5 s.
        for t in (0..60_000).step_by(STATS_INTERVAL as usize) {
            r.handle_bytes(Millis(t), t / 5_000, &mut out);
        }
        assert!(out.is_empty(), "{out:?}");
    }

    #[test]
    fn stalled_media_is_a_loss_and_the_impolite_side_restarts_at_once() {
        let mut r = Recovery::new(false);
        assert!(steady(&mut r, 0, 2_000).is_empty());
        let mut out = Vec::new();
        let mut t = 2_000;
        while out.is_empty() {
            t += STATS_INTERVAL;
            r.handle_bytes(Millis(t), 20_000, &mut out);
        }
        assert!(t - 2_000 <= STALL_AFTER + STATS_INTERVAL, "detected {} ms after", t - 2_000);
        assert_eq!(out, [Action::Lost(LossReason::MediaStalled), Action::Restart { attempt: 1 }]);
    }

    #[test]
    fn the_polite_side_restarts_only_if_no_restart_offer_arrives() {
        let mut r = Recovery::new(true);
        let mut out = Vec::new();
        r.handle_ice_failed(Millis(0), &mut out);
        assert_eq!(out, [Action::Lost(LossReason::IceFailed)]);
        assert_eq!(r.poll_timeout(), Some(Millis(TAKEOVER_AFTER)));
        out.clear();
        r.handle_timeout(Millis(TAKEOVER_AFTER), &mut out);
        assert_eq!(out, [Action::Restart { attempt: 1 }]);

        let mut r = Recovery::new(true);
        r.handle_ice_failed(Millis(0), &mut Vec::new());
        r.handle_remote_restart(Millis(500));
        let mut out = Vec::new();
        r.handle_timeout(Millis(TAKEOVER_AFTER), &mut out);
        assert!(out.is_empty(), "the remote's restart is in progress: {out:?}");
    }

    #[test]
    fn attempts_follow_the_back_off_and_end_in_give_up() {
        let mut r = Recovery::new(false);
        let mut out = Vec::new();
        r.handle_ice_failed(Millis(0), &mut out);
        let mut restarts = vec![0];
        while let Some(t) = r.poll_timeout() {
            out.clear();
            r.handle_timeout(t, &mut out);
            if let [Action::GiveUp] = out.as_slice() {
                assert_eq!(t.0, GIVE_UP_AFTER);
                break;
            }
            assert!(matches!(out.as_slice(), [Action::Restart { .. }]), "{out:?}");
            restarts.push(t.0);
        }
        assert_eq!(&restarts[..5], [0, 2_000, 4_000, 7_000, 11_000]);
        assert!(restarts.windows(2).all(|w| w[1] - w[0] <= 4_000));
        assert_eq!(r.poll_timeout(), None, "nothing after giving up");
    }

    #[test]
    fn attempts_wait_while_signaling_is_down() {
        let mut r = Recovery::new(false);
        let mut out = Vec::new();
        r.handle_signaling(Millis(0), false, &mut out);
        r.handle_ice_failed(Millis(0), &mut out);
        assert_eq!(out, [Action::Lost(LossReason::IceFailed)], "no restart without signaling");
        out.clear();
        r.handle_signaling(Millis(5_000), true, &mut out);
        assert_eq!(out, [Action::Restart { attempt: 1 }]);
    }

    #[test]
    fn bytes_flowing_again_end_the_recovery() {
        let mut r = Recovery::new(false);
        steady(&mut r, 0, 2_000);
        let mut out = Vec::new();
        for t in [2_400, 2_800, 3_200, 3_600] {
            r.handle_bytes(Millis(t), 20_000, &mut out);
        }
        assert!(r.is_recovering());
        // ICE still says connected during a stall: not proof of recovery.
        r.handle_ice_connected(&mut out);
        assert!(r.is_recovering());
        assert_eq!(out.last(), Some(&Action::PathBack), "ICE connected is the first sign");
        out.clear();
        r.handle_bytes(Millis(4_000), 20_100, &mut out);
        r.handle_bytes(Millis(4_400), 20_200, &mut out);
        assert_eq!(out, [Action::Recovered], "one PathBack per loss");
    }

    #[test]
    fn the_path_coming_back_asks_for_key_frames_once_per_loss() {
        let mut r = Recovery::new(true);
        steady(&mut r, 0, 2_000);
        let mut out = Vec::new();
        for t in [2_400, 2_800, 3_200, 3_600] {
            r.handle_bytes(Millis(t), 20_000, &mut out);
        }
        out.clear();
        // The stall never touched ICE: growing bytes are the first sign.
        r.handle_bytes(Millis(4_000), 20_100, &mut out);
        assert_eq!(out, [Action::PathBack]);
        r.handle_bytes(Millis(4_400), 20_200, &mut out);
        assert_eq!(out, [Action::PathBack, Action::Recovered]);
        // Connected without a loss: nothing to refresh.
        out.clear();
        r.handle_ice_connected(&mut out);
        r.handle_bytes(Millis(4_800), 20_300, &mut out);
        assert!(out.is_empty(), "{out:?}");
    }

    #[test]
    fn disconnected_counts_as_a_loss_after_its_grace() {
        let mut r = Recovery::new(false);
        r.handle_ice_disconnected(Millis(100));
        assert_eq!(r.poll_timeout(), Some(Millis(100 + DISCONNECTED_GRACE)));
        let mut out = Vec::new();
        r.handle_ice_connected(&mut out);
        assert_eq!(r.poll_timeout(), None);
        r.handle_ice_disconnected(Millis(200));
        r.handle_timeout(Millis(200 + DISCONNECTED_GRACE), &mut out);
        assert_eq!(out[0], Action::Lost(LossReason::IceDisconnected));
    }
}
