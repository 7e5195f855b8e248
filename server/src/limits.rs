//! Connection caps, server-wide and per client IP address. A permit is taken
//! before the WebSocket upgrade and held for the connection's life.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};

/// Why a connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the server holds its maximum of {0} connections")]
    ServerFull(usize),
    #[error("this address holds its maximum of {0} connections")]
    AddressFull(usize),
}

#[derive(Debug, Default)]
struct Counts {
    total: usize,
    /// Only addresses with at least one connection, so the map stays bounded
    /// by the live connections.
    per_ip: HashMap<IpAddr, usize>,
}

#[derive(Debug)]
pub struct ConnLimiter {
    max_total: usize,
    max_per_ip: usize,
    counts: Mutex<Counts>,
}

/// One admitted connection; gives its slot back when dropped.
#[derive(Debug)]
pub struct Permit {
    limiter: Arc<ConnLimiter>,
    ip: IpAddr,
}

impl ConnLimiter {
    pub fn new(max_total: usize, max_per_ip: usize) -> Self {
        ConnLimiter { max_total, max_per_ip, counts: Mutex::default() }
    }

    fn lock(&self) -> MutexGuard<'_, Counts> {
        // The counts are consistent between calls; a poisoned lock is usable.
        self.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn try_acquire(self: &Arc<Self>, ip: IpAddr) -> Result<Permit, Refusal> {
        let ip = address_key(ip);
        let mut counts = self.lock();
        if counts.total >= self.max_total {
            return Err(Refusal::ServerFull(self.max_total));
        }
        let here = counts.per_ip.entry(ip).or_insert(0);
        if *here >= self.max_per_ip {
            return Err(Refusal::AddressFull(self.max_per_ip));
        }
        *here += 1;
        counts.total += 1;
        Ok(Permit { limiter: self.clone(), ip })
    }

    #[cfg(test)]
    fn held(&self, ip: IpAddr) -> (usize, usize) {
        let counts = self.lock();
        (counts.total, counts.per_ip.get(&ip).copied().unwrap_or(0))
    }
}

/// What the per-address cap counts: an IPv4 address (also when it comes
/// IPv4-mapped through an IPv6 socket), or an IPv6 /64, since one IPv6 host
/// usually owns a whole /64 and could otherwise pick a fresh address per
/// connection.
fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(std::net::Ipv6Addr::from(prefix))
            }
        },
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut counts = self.limiter.lock();
        counts.total = counts.total.saturating_sub(1);
        if let Some(n) = counts.per_ip.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.per_ip.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn caps_apply_per_address_and_in_total_and_slots_come_back() -> TestResult {
        let limiter = Arc::new(ConnLimiter::new(3, 2));
        let a: IpAddr = "10.0.0.1".parse()?;
        let b: IpAddr = "10.0.0.2".parse()?;
        let a1 = limiter.try_acquire(a)?;
        let _a2 = limiter.try_acquire(a)?;
        assert_eq!(limiter.try_acquire(a).err(), Some(Refusal::AddressFull(2)));
        let _b1 = limiter.try_acquire(b)?;
        assert_eq!(limiter.try_acquire(b).err(), Some(Refusal::ServerFull(3)));
        drop(a1);
        assert_eq!(limiter.held(a), (2, 1));
        let _b2 = limiter.try_acquire(b)?;
        assert_eq!(limiter.held(b), (3, 2));
        Ok(())
    }

    #[test]
    fn ipv6_addresses_of_one_slash_64_share_a_cap_and_mapped_ipv4_counts_as_ipv4() -> TestResult {
        let limiter = Arc::new(ConnLimiter::new(10, 1));
        let _x = limiter.try_acquire("2001:db8::1".parse()?)?;
        let same_64 = limiter.try_acquire("2001:db8::ffff:2".parse()?);
        assert_eq!(same_64.err(), Some(Refusal::AddressFull(1)));
        let _other_64 = limiter.try_acquire("2001:db8:0:1::1".parse()?)?;
        let _v4 = limiter.try_acquire("192.0.2.7".parse()?)?;
        let mapped = limiter.try_acquire("::ffff:192.0.2.7".parse()?);
        assert_eq!(mapped.err(), Some(Refusal::AddressFull(1)));
        Ok(())
    }

    #[test]
    fn an_address_without_connections_is_forgotten() -> TestResult {
        let limiter = Arc::new(ConnLimiter::new(10, 10));
        let a: IpAddr = "::1".parse()?;
        drop(limiter.try_acquire(a)?);
        assert!(limiter.lock().per_ip.is_empty());
        Ok(())
    }
}
