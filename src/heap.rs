//! The wasm build's global allocator: one free list per power-of-two block
//! size, blocks carved from linear memory grown on demand.
//!
//! Why not a general-purpose allocator (Rust's dlmalloc, talc): the SDK's
//! heap is small (a few MB at most: SDP text, stats samples, queues) and
//! its sizes repeat (the same stats every second, the same frames), so
//! exact-size reuse needs no splitting or coalescing. The cost is memory a
//! general allocator would save (up to half a block from rounding, freed
//! blocks kept for their size); the gain is ~1 KB of wasm code.
//!
//! Every block is 16-byte aligned. A layout aligned beyond that gets a block
//! large enough to align inside, with the block's start kept just before
//! the pointer handed out.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;

/// Where new memory comes from.
pub trait Grow {
    /// Claims `pages` more 64 KiB pages: the address they start at.
    fn grow(&self, pages: usize) -> Option<usize>;
}

const PAGE: usize = 65536;
/// The smallest block: 16 bytes, which also keeps every block 16-aligned.
const MIN_CLASS: u32 = 4;
const BLOCK_ALIGN: usize = 1 << MIN_CLASS;
const CLASSES: usize = usize::BITS as usize;

pub struct Heap<G> {
    state: UnsafeCell<State>,
    grow: G,
}

struct State {
    /// The next address to carve a block from, and the end of the memory
    /// claimed so far.
    top: usize,
    end: usize,
    /// For each block size `1 << class`, the first free block (0: none);
    /// each free block holds the next one's address in its first word.
    free: [usize; CLASSES],
}

impl<G> Heap<G> {
    pub const fn new(grow: G) -> Self {
        Heap { state: UnsafeCell::new(State { top: 0, end: 0, free: [0; CLASSES] }), grow }
    }
}

/// The block size class for `bytes`: the smallest `c` with `1 << c >= bytes`.
fn class_of(bytes: usize) -> Option<usize> {
    let c = usize::BITS - bytes.max(BLOCK_ALIGN).checked_sub(1)?.leading_zeros();
    // The last class cannot be carved (its size overflows).
    (c < usize::BITS - 1).then_some(c as usize)
}

/// Bytes a layout's block must hold: room to align inside it if needed.
fn block_bytes(layout: &Layout) -> usize {
    let align = layout.align();
    layout.size() + if align > BLOCK_ALIGN { align } else { 0 }
}

impl<G: Grow> Heap<G> {
    /// A block of `1 << class` bytes, reused or new (null when memory
    /// cannot grow).
    ///
    /// # Safety
    /// Single-threaded use only; the free lists hold only blocks of their
    /// class (what `release` puts there).
    unsafe fn take(&self, class: usize) -> *mut u8 {
        let st = &mut *self.state.get();
        let Some(head) = st.free.get_mut(class) else { return core::ptr::null_mut() };
        if *head != 0 {
            let block = *head;
            *head = *(block as *const usize);
            return block as *mut u8;
        }
        let bytes = 1usize << class;
        if st.end - st.top < bytes {
            let pages = bytes.div_ceil(PAGE);
            let Some(start) = self.grow.grow(pages) else { return core::ptr::null_mut() };
            // Memory grown by someone else in between leaves a gap: start
            // over at the new memory (the rest of the old is not used).
            if start != st.end {
                st.top = start;
            }
            st.end = start + pages * PAGE;
        }
        let block = st.top;
        st.top += bytes;
        block as *mut u8
    }

    /// # Safety
    /// `block` came from `take(class)` and is not used after this.
    unsafe fn release(&self, block: *mut u8, class: usize) {
        let st = &mut *self.state.get();
        if let Some(head) = st.free.get_mut(class) {
            *(block as *mut usize) = *head;
            *head = block as usize;
        }
    }
}

unsafe impl<G: Grow> GlobalAlloc for Heap<G> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(class) = class_of(block_bytes(&layout)) else { return core::ptr::null_mut() };
        let block = self.take(class);
        let align = layout.align();
        if align <= BLOCK_ALIGN || block.is_null() {
            return block;
        }
        // At least one word after the block's start, at most `align` in.
        let ptr = (block as usize + BLOCK_ALIGN).next_multiple_of(align);
        *((ptr - size_of::<usize>()) as *mut usize) = block as usize;
        ptr as *mut u8
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let Some(class) = class_of(block_bytes(&layout)) else { return };
        let block = if layout.align() <= BLOCK_ALIGN {
            ptr
        } else {
            *((ptr as usize - size_of::<usize>()) as *const usize) as *mut u8
        };
        self.release(block, class);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // The same block when the new size needs the same class.
        if layout.align() <= BLOCK_ALIGN && class_of(layout.size()) == class_of(new_size) {
            return ptr;
        }
        let Ok(new_layout) = Layout::from_size_align(new_size, layout.align()) else {
            return core::ptr::null_mut();
        };
        let new = self.alloc(new_layout);
        if !new.is_null() {
            core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        new
    }
}

/// The wasm module's own memory (memory 0).
#[cfg(target_arch = "wasm32")]
pub struct WasmMemory;

#[cfg(target_arch = "wasm32")]
impl Grow for WasmMemory {
    fn grow(&self, pages: usize) -> Option<usize> {
        let old = core::arch::wasm32::memory_grow(0, pages);
        (old != usize::MAX).then_some(old * PAGE)
    }
}

// The wasm build without atomics runs on one thread.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
unsafe impl Sync for Heap<WasmMemory> {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    /// Pages handed out from one preallocated region, optionally with a
    /// gap before each grant (memory grown by someone else).
    struct Region {
        next: Cell<usize>,
        end: usize,
        gap: usize,
        _mem: Vec<u128>,
    }

    impl Region {
        fn new(pages: usize, gap: usize) -> Region {
            let mem = vec![0u128; (pages * PAGE + PAGE) / 16];
            let start = (mem.as_ptr() as usize).next_multiple_of(PAGE);
            Region { next: Cell::new(start), end: start + pages * PAGE - PAGE, gap, _mem: mem }
        }
        fn used(&self) -> usize {
            self.next.get()
        }
    }

    impl Grow for &Region {
        fn grow(&self, pages: usize) -> Option<usize> {
            let start = self.next.get() + self.gap;
            (start + pages * PAGE <= self.end).then(|| {
                self.next.set(start + pages * PAGE);
                start
            })
        }
    }

    /// A small deterministic generator (the tests' own randomness).
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self, n: usize) -> usize {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((self.0 >> 33) as usize) % n
        }
    }

    fn pick(of: &[usize], rng: &mut Lcg) -> usize {
        of.get(rng.next(of.len())).copied().unwrap_or(1)
    }

    struct Live {
        ptr: *mut u8,
        layout: Layout,
        fill: u8,
    }

    unsafe fn check(l: &Live) -> Result<(), String> {
        let bytes = core::slice::from_raw_parts(l.ptr, l.layout.size());
        match bytes.iter().position(|b| *b != l.fill) {
            Some(i) => Err(format!("byte {i} of a {:?} block overwritten", l.layout)),
            None => Ok(()),
        }
    }

    /// Random allocations, frees and reallocations of mixed sizes and
    /// alignments: every block is aligned as asked, never overlaps a live
    /// one (each holds its own fill byte, checked before it is freed), and
    /// reallocation keeps the contents.
    #[test]
    fn blocks_are_aligned_disjoint_and_keep_their_contents() -> Result<(), String> {
        for gap in [0, PAGE] {
            let region = Region::new(512, gap);
            let heap = Heap::new(&region);
            let mut rng = Lcg(gap as u64 + 7);
            let mut live: Vec<Live> = Vec::new();
            for step in 0..20_000u32 {
                let fill = (step % 251) as u8 + 1;
                match rng.next(5) {
                    0 | 1 => {
                        let size =
                            pick(&[1, 7, 16, 17, 100, 1000, 5000, 70_000], &mut rng) + rng.next(8);
                        let align = pick(&[1, 4, 8, 16, 32, 64, 4096], &mut rng);
                        let layout =
                            Layout::from_size_align(size, align).map_err(|e| e.to_string())?;
                        let ptr = unsafe { heap.alloc(layout) };
                        if ptr.is_null() {
                            return Err(format!("out of memory at step {step}"));
                        }
                        if !(ptr as usize).is_multiple_of(align) {
                            return Err(format!("{ptr:?} not aligned to {align}"));
                        }
                        unsafe { ptr.write_bytes(fill, size) };
                        live.push(Live { ptr, layout, fill });
                    }
                    2 | 3 if !live.is_empty() => {
                        let l = live.swap_remove(rng.next(live.len()));
                        unsafe {
                            check(&l)?;
                            heap.dealloc(l.ptr, l.layout);
                        }
                    }
                    _ if !live.is_empty() => {
                        let i = rng.next(live.len());
                        let Some(l) = live.get_mut(i) else { continue };
                        let new_size = 1 + rng.next(3000);
                        unsafe {
                            check(l)?;
                            let ptr = heap.realloc(l.ptr, l.layout, new_size);
                            if ptr.is_null() {
                                return Err(format!("realloc failed at step {step}"));
                            }
                            let kept = l.layout.size().min(new_size);
                            let bytes = core::slice::from_raw_parts(ptr, kept);
                            if bytes.iter().any(|b| *b != l.fill) {
                                return Err(format!("realloc lost contents at step {step}"));
                            }
                            l.layout = Layout::from_size_align(new_size, l.layout.align())
                                .map_err(|e| e.to_string())?;
                            l.ptr = ptr;
                            ptr.write_bytes(fill, new_size);
                            l.fill = fill;
                        }
                    }
                    _ => {}
                }
            }
            for l in &live {
                unsafe { check(l)? };
            }
        }
        Ok(())
    }

    /// A freed block is reused for the next allocation of its size, so a
    /// steady pattern (the same stats sample every second) stops growing
    /// memory after its first round.
    #[test]
    fn a_repeated_allocation_pattern_reuses_its_blocks() -> Result<(), String> {
        let region = Region::new(64, 0);
        let heap = Heap::new(&region);
        let sizes = [24usize, 300, 24, 5000, 64, 64, 1];
        let round = |heap: &Heap<&Region>| -> Result<(), String> {
            let mut ptrs = Vec::new();
            for s in sizes {
                let layout = Layout::from_size_align(s, 8).map_err(|e| e.to_string())?;
                let p = unsafe { heap.alloc(layout) };
                if p.is_null() {
                    return Err("out of memory".into());
                }
                ptrs.push((p, layout));
            }
            for (p, layout) in ptrs {
                unsafe { heap.dealloc(p, layout) };
            }
            Ok(())
        };
        round(&heap)?;
        let after_first = region.used();
        for _ in 0..1000 {
            round(&heap)?;
        }
        assert_eq!(region.used(), after_first, "memory grew after the first round");
        Ok(())
    }

    #[test]
    fn an_allocation_memory_cannot_hold_fails_with_null() {
        let region = Region::new(4, 0);
        let heap = Heap::new(&region);
        let too_big = Layout::from_size_align(16 * PAGE, 8);
        assert!(matches!(too_big, Ok(l) if unsafe { heap.alloc(l) }.is_null()));
        let huge = Layout::from_size_align(isize::MAX as usize - 7, 8);
        assert!(matches!(huge, Ok(l) if unsafe { heap.alloc(l) }.is_null()));
    }

    #[test]
    fn size_classes_round_up_to_powers_of_two_from_16() {
        assert_eq!(class_of(1), Some(4));
        assert_eq!(class_of(16), Some(4));
        assert_eq!(class_of(17), Some(5));
        assert_eq!(class_of(4096), Some(12));
        assert_eq!(class_of(4097), Some(13));
        assert_eq!(class_of(usize::MAX), None);
    }
}
