//! The process's allocator: mimalloc, told to give freed memory back to the system at once.
//!
//! mimalloc purges freed pages on the thread that freed them, the next time that thread
//! allocates, once the purge delay (10 ms by default) has passed. The threads that lay out a
//! report or encode a file sit idle afterwards, keeping the tens of megabytes the report took.
//! With no delay, the server's peak memory under the benchmark's saturated mix fell from about
//! 175 to 125 MiB at the same throughput (docs/PERFORMANCE.md, fifth session).

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc v2's `mimalloc.h`; libmimalloc-sys names no constant
/// for it. The test below checks that it is the option whose default is 10 ms.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Freed pages go back to the system when freed, not after a delay. Call once, first thing.
pub fn give_back_at_once() {
    #[allow(unsafe_code)]
    // SAFETY: sets one of mimalloc's options, a plain integer it reads on each purge; setting
    // it is allowed at any time from any thread.
    unsafe {
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(unsafe_code)]
    fn purge_delay() -> std::ffi::c_long {
        // SAFETY: reads one of mimalloc's options.
        unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) }
    }

    #[test]
    fn the_purge_delay_is_the_option_set() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert_eq!(purge_delay(), 10, "mimalloc's default purge delay, 10 ms");
        }
        give_back_at_once();
        assert_eq!(purge_delay(), 0);
    }
}
