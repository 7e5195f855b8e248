//! The maps and sets of the SDK (core, driver) and of [`Meta`](crate::Meta):
//! a sorted `Vec` behind the subset of the `BTreeMap`/`BTreeSet` API they use.
//!
//! Why not `BTreeMap`: every key/value pair instantiates the B-tree's node
//! code (insert, split, merge, steal, drop), about 5 KB of wasm each, and
//! was a fifth of the bundle. A room's maps hold a handful of entries (peers,
//! senders, tracks), for which a sorted `Vec` is as fast and far smaller.
//! Sorted, so iteration order is the key order `BTreeMap` gave: outputs stay
//! deterministic and in the same order.

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, Serializer};
use std::borrow::Borrow;
use std::fmt;
use std::marker::PhantomData;

/// The map type used throughout the SDK (see the module docs).
pub type Map<K, V> = VecMap<K, V>;
/// The set type used throughout the SDK.
pub type Set<T> = VecSet<T>;

/// A map kept as a `Vec` of pairs sorted by key (unique keys).
#[derive(Clone, PartialEq, Eq)]
pub struct VecMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        VecMap { entries: Vec::new() }
    }
}

type Pair<'a, K, V> = (&'a K, &'a V);
type PairMut<'a, K, V> = (&'a K, &'a mut V);

/// Borrowing iterator over a [`VecMap`], in key order.
pub type Iter<'a, K, V> =
    std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> Pair<'a, K, V>>;
/// Mutably borrowing iterator over a [`VecMap`], in key order.
pub type IterMut<'a, K, V> =
    std::iter::Map<std::slice::IterMut<'a, (K, V)>, fn(&'a mut (K, V)) -> PairMut<'a, K, V>>;

impl<K, V> VecMap<K, V> {
    pub const fn new() -> Self {
        VecMap { entries: Vec::new() }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    pub fn iter(&self) -> Iter<'_, K, V> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub fn iter_mut(&mut self) -> IterMut<'_, K, V> {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator {
        self.entries.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.entries.iter().map(|(_, v)| v)
    }

    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut V> + ExactSizeIterator {
        self.entries.iter_mut().map(|(_, v)| v)
    }

    pub fn into_keys(self) -> impl DoubleEndedIterator<Item = K> + ExactSizeIterator {
        self.entries.into_iter().map(|(k, _)| k)
    }

    pub fn into_values(self) -> impl DoubleEndedIterator<Item = V> + ExactSizeIterator {
        self.entries.into_iter().map(|(_, v)| v)
    }

    /// Keeps the entries for which `keep` returns true, in order.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }
}

impl<K: Ord, V> VecMap<K, V> {
    fn find<Q>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.entries.binary_search_by(|(k, _)| Ord::cmp(Borrow::<Q>::borrow(k), key))
    }

    /// Inserts or replaces; returns the value replaced.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => self.entries.get_mut(i).map(|(_, v)| std::mem::replace(v, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(key).ok().and_then(|i| self.entries.get(i)).map(|(_, v)| v)
    }

    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(key).ok().and_then(|i| self.entries.get_mut(i)).map(|(_, v)| v)
    }

    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(key).is_ok()
    }

    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.remove_entry(key).map(|(_, v)| v)
    }

    pub fn remove_entry<Q>(&mut self, key: &Q) -> Option<(K, V)>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        // `i` comes from a successful search: in bounds.
        self.find(key).ok().filter(|&i| i < self.entries.len()).map(|i| self.entries.remove(i))
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for VecMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for VecMap<K, V> {
    /// As `BTreeMap`: a repeated key keeps its last value.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = VecMap::new();
        map.extend(iter);
        map
    }
}

impl<K: Ord, V> Extend<(K, V)> for VecMap<K, V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<K: Ord, V, const N: usize> From<[(K, V); N]> for VecMap<K, V> {
    fn from(pairs: [(K, V); N]) -> Self {
        pairs.into_iter().collect()
    }
}

/// On the wire a map is a JSON object, as `BTreeMap`'s.
impl<K: Serialize, V: Serialize> Serialize for VecMap<K, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

/// As `BTreeMap`'s: a repeated key keeps its last value.
impl<'de, K: Deserialize<'de> + Ord, V: Deserialize<'de>> Deserialize<'de> for VecMap<K, V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct MapVisitor<K, V>(PhantomData<(K, V)>);
        impl<'de, K: Deserialize<'de> + Ord, V: Deserialize<'de>> Visitor<'de> for MapVisitor<K, V> {
            type Value = VecMap<K, V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut map = VecMap::new();
                while let Some((k, v)) = access.next_entry()? {
                    map.insert(k, v);
                }
                Ok(map)
            }
        }
        d.deserialize_map(MapVisitor(PhantomData))
    }
}

impl<K, V> IntoIterator for VecMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a, K, V> IntoIterator for &'a VecMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a, K, V> IntoIterator for &'a mut VecMap<K, V> {
    type Item = (&'a K, &'a mut V);
    type IntoIter = IterMut<'a, K, V>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter_mut()
    }
}

/// A set kept as a sorted `Vec` (see [`VecMap`]).
#[derive(Clone, PartialEq, Eq)]
pub struct VecSet<T> {
    map: VecMap<T, ()>,
}

impl<T> Default for VecSet<T> {
    fn default() -> Self {
        VecSet { map: VecMap::new() }
    }
}

impl<T> VecSet<T> {
    pub const fn new() -> Self {
        VecSet { map: VecMap::new() }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn clear(&mut self) {
        self.map.clear();
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator {
        self.map.keys()
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        self.map.retain(|k, _| keep(k));
    }
}

impl<T: Ord> VecSet<T> {
    /// Returns whether `value` was newly inserted.
    pub fn insert(&mut self, value: T) -> bool {
        self.map.insert(value, ()).is_none()
    }

    pub fn contains<Q>(&self, value: &Q) -> bool
    where
        T: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.map.contains_key(value)
    }

    /// Returns whether `value` was present.
    pub fn remove<Q>(&mut self, value: &Q) -> bool
    where
        T: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.map.remove(value).is_some()
    }
}

impl<T: fmt::Debug> fmt::Debug for VecSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl<T: Ord> FromIterator<T> for VecSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        VecSet { map: iter.into_iter().map(|t| (t, ())).collect() }
    }
}

impl<T: Ord> Extend<T> for VecSet<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        self.map.extend(iter.into_iter().map(|t| (t, ())));
    }
}

impl<T> IntoIterator for VecSet<T> {
    type Item = T;
    type IntoIter = std::iter::Map<std::vec::IntoIter<(T, ())>, fn((T, ())) -> T>;
    fn into_iter(self) -> Self::IntoIter {
        self.map.into_iter().map(|(t, ())| t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iterates_in_key_order_whatever_the_insertion_order() {
        let mut m = Map::new();
        for k in [5, 1, 4, 2, 3] {
            assert_eq!(m.insert(k, k * 10), None);
        }
        assert_eq!(
            m.iter().map(|(k, v)| (*k, *v)).collect::<Vec<_>>(),
            [(1, 10), (2, 20), (3, 30), (4, 40), (5, 50)]
        );
        assert_eq!(m.keys().copied().collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
    }

    #[test]
    fn insert_replaces_and_returns_the_old_value() {
        let mut m: Map<String, u8> = Map::new();
        assert_eq!(m.insert("a".into(), 1), None);
        assert_eq!(m.insert("a".into(), 2), Some(1));
        assert_eq!(m.len(), 1);
        assert_eq!(m.get("a"), Some(&2));
    }

    #[test]
    fn get_remove_and_contains_borrow_the_key() {
        let mut m: Map<String, u8> =
            [("b".to_string(), 2), ("a".to_string(), 1)].into_iter().collect();
        assert!(m.contains_key("a"));
        if let Some(v) = m.get_mut("b") {
            *v = 3;
        }
        assert_eq!(m.remove("b"), Some(3));
        assert_eq!(m.remove("b"), None);
        assert!(!m.contains_key("b"));
        assert_eq!(m.get("zz"), None);
        assert_eq!(m.len(), 1);
    }

    #[test]
    fn collecting_keeps_the_last_value_of_a_repeated_key() {
        let m: Map<u8, &str> = [(1, "x"), (2, "y"), (1, "z")].into_iter().collect();
        assert_eq!(m.into_iter().collect::<Vec<_>>(), [(1, "z"), (2, "y")]);
    }

    #[test]
    fn retain_keeps_order_and_sees_every_value() {
        let mut m: Map<u8, u8> = (0..6).map(|k| (k, k)).collect();
        m.retain(|k, v| {
            *v += 1;
            k % 2 == 0
        });
        assert_eq!(m.iter().map(|(k, v)| (*k, *v)).collect::<Vec<_>>(), [(0, 1), (2, 3), (4, 5)]);
    }

    #[test]
    fn is_a_json_object_on_the_wire_in_key_order_and_the_last_repeated_key_wins() {
        let m: Map<String, String> = [("b".into(), "2".into()), ("a".into(), "1".into())].into();
        assert_eq!(serde_json::to_string(&m).ok().as_deref(), Some(r#"{"a":"1","b":"2"}"#));
        let back: Result<Map<String, String>, _> =
            serde_json::from_str(r#"{"b":"2","a":"0","a":"1"}"#);
        assert_eq!(back.ok(), Some(m));
        let wrong: Result<Map<String, String>, _> = serde_json::from_str(r#"["a"]"#);
        assert!(wrong.is_err());
    }

    #[test]
    fn set_inserts_once_and_iterates_sorted() {
        let mut s = Set::new();
        assert!(s.insert("b"));
        assert!(s.insert("a"));
        assert!(!s.insert("b"));
        assert!(s.contains("a"));
        assert_eq!(s.iter().copied().collect::<Vec<_>>(), ["a", "b"]);
        assert!(s.remove("a"));
        assert!(!s.remove("a"));
        assert_eq!(s.into_iter().collect::<Vec<_>>(), ["b"]);
    }
}
