//! The large stack the work runs on.
//!
//! Deep prerequisite chains and deeply recursive `$(call)`s recurse as deep
//! as the makefile goes, far past the 8 MiB a main thread usually has. The
//! work runs on the main thread anyway, on a stack of its own that `psm`
//! switches to, rather than on a second thread: once a process has two
//! threads, glibc's `malloc` takes its locks on every call for the rest of
//! the run. (The `stacker` crate would do the switch too, but first asks
//! glibc where the main thread's stack is, which reads `/proc/self/maps`:
//! 0.9 ms more for every make of a recursive build.)
//!
//! A recursion without end (`fn = $(call fn)`) would fill the whole stack,
//! a gigabyte of memory, and die of SIGSEGV on the guard page, as GNU make
//! dies of it on its 8 MiB. `nearly_exhausted` lets the evaluator stop
//! such a makefile with an error well before that.

use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};

use rustix::mm::{mmap_anonymous, mprotect, munmap, MapFlags, MprotectFlags, ProtFlags};

/// The stack's size: address space only, until it is used.
const STACK_SIZE: usize = 1 << 30;

/// Below the stack, a page that faults: an overflow is a crash, not a
/// write into whatever lies there.
const GUARD_SIZE: usize = 64 * 1024;

/// How deep a makefile's recursion may go: far past any real makefile's
/// (GNU's whole stack is 8 MiB), and well short of the guard page.
const RECURSION_LIMIT: usize = 256 << 20;

/// The lowest stack address the evaluator's recursion may reach; 0 when
/// the work runs on the system's stack, whose bounds are not known here.
static FLOOR: AtomicUsize = AtomicUsize::new(0);

/// Whether the stack has grown past [`RECURSION_LIMIT`]: a makefile's
/// recursion that is most likely endless.
pub fn nearly_exhausted() -> bool {
    let floor = FLOOR.load(Ordering::Relaxed);
    floor != 0 && (psm::stack_pointer() as usize) < floor
}

/// Runs `work` on a stack of [`STACK_SIZE`] bytes, or on the current stack
/// when the system will not map one (a strict overcommit policy). A panic,
/// which is a bug, ends it with status 2.
pub fn run_on_large_stack(work: fn() -> i32) -> i32 {
    let guarded = || std::panic::catch_unwind(work).unwrap_or(2);
    let size = GUARD_SIZE + STACK_SIZE;
    // SAFETY: a fresh private anonymous mapping, touching no existing memory.
    let Ok(base) = (unsafe {
        mmap_anonymous(
            ptr::null_mut(),
            size,
            ProtFlags::READ | ProtFlags::WRITE,
            MapFlags::PRIVATE | MapFlags::NORESERVE | MapFlags::STACK,
        )
    }) else {
        return guarded();
    };
    // SAFETY: the guard is the low end of the mapping made above, which
    // nothing else uses. Stacks grow down, towards it.
    if unsafe { mprotect(base, GUARD_SIZE, MprotectFlags::empty()) }.is_err() {
        // SAFETY: the mapping made above, used by nothing.
        let _ = unsafe { munmap(base, size) };
        return guarded();
    }
    // SAFETY: GUARD_SIZE bytes into the mapping of `size` bytes made above.
    let low = unsafe { base.cast::<u8>().add(GUARD_SIZE) };
    FLOOR.store(
        low as usize + (STACK_SIZE - RECURSION_LIMIT),
        Ordering::Relaxed,
    );
    // SAFETY: the stack is page-aligned, its size a multiple of any
    // target's stack alignment, and it stays mapped until `on_stack`
    // returns; `guarded` does not unwind (it catches panics), and nothing
    // in the work leaves it but by returning or by ending the process.
    let status = unsafe { psm::on_stack(low, STACK_SIZE, guarded) };
    FLOOR.store(0, Ordering::Relaxed);
    // SAFETY: the stack is no longer in use.
    let _ = unsafe { munmap(base, size) };
    status
}
