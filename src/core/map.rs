//! The crate's map and set types: rtcroom-proto's sorted-`Vec` map (see
//! [`rtcroom_proto::map`]: no B-tree code per key/value pair in the wasm).

pub use rtcroom_proto::map::{Iter, IterMut, Map, Set, VecMap, VecSet};
