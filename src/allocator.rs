//! The memory allocator's settings: mimalloc (the binary's global allocator) keeps what a bulk
//! import frees instead of handing it back to the kernel.

use std::os::raw::c_int;

/// mimalloc's `mi_option_purge_delay` (its `mimalloc.h`; the Rust bindings name the options
/// either side of it, 14 and 16, but not this one).
const PURGE_DELAY: c_int = 15;

/// Never return freed memory to the kernel (mimalloc returns it once it has been free for
/// 1 s). An import frees each batch's rows, statements and documents and allocates the next
/// batch's a second or so later, and the kernel zeroed each page again: 142,000 page faults
/// and a tenth of the process's samples in a 100k import on PostgreSQL, against 1,400 faults
/// with this, and 4-9% less CPU (BENCHMARKS.md). For commands that end once their work is
/// done; the server keeps mimalloc's default, so its memory falls back after a peak. A delay
/// set in the environment (`MIMALLOC_PURGE_DELAY`, which mimalloc reads as it loads) is left
/// as it is.
#[allow(unsafe_code)]
pub fn keep_freed_memory() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: `mi_option_set` stores a value in mimalloc's table of options, for any option
    // and value; mimalloc reads the purge delay each time it considers purging.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, -1) };
}

#[cfg(test)]
mod tests {
    use std::os::raw::c_long;

    /// mimalloc's current purge delay, in milliseconds (`-1`: never).
    #[allow(unsafe_code)]
    fn purge_delay() -> c_long {
        // SAFETY: reads mimalloc's table of options, initialized when mimalloc loads.
        unsafe { libmimalloc_sys::mi_option_get(super::PURGE_DELAY) }
    }

    #[test]
    fn the_option_set_is_the_purge_delay() {
        // mimalloc's default for the purge delay, 1 s, unless the environment sets another:
        // an option number that named some other option would read differently.
        let expected = std::env::var("MIMALLOC_PURGE_DELAY").ok().and_then(|value| value.parse().ok()).unwrap_or(1000);
        assert_eq!(purge_delay(), expected);
        super::keep_freed_memory();
        let kept = if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() { expected } else { -1 };
        assert_eq!(purge_delay(), kept);
    }
}
