//! The panic hook cx installs keeps panics inside its exports quiet and leaves the host's own panics to the
//! hook the host had. In a file of its own: panic hooks are per process, and the test installs one.

use cx::boundary::boundary;
use cx::status::cx_status;
use std::sync::atomic::{AtomicUsize, Ordering};

static HOST_HOOK_CALLS: AtomicUsize = AtomicUsize::new(0);

#[test]
fn contained_panics_are_quiet_and_host_panics_reach_the_hosts_hook() {
    // The host's hook, installed before cx is first called (as a host does at start-up).
    std::panic::set_hook(Box::new(|_| {
        HOST_HOOK_CALLS.fetch_add(1, Ordering::SeqCst);
    }));
    assert_eq!(boundary(|| panic!("inside cx")), cx_status::Panic);
    assert_eq!(
        HOST_HOOK_CALLS.load(Ordering::SeqCst),
        0,
        "a contained panic is not reported to the host"
    );

    // The host's own panics, on this thread and on another, still reach its hook.
    assert!(std::panic::catch_unwind(|| panic!("the host's own")).is_err());
    assert_eq!(HOST_HOOK_CALLS.load(Ordering::SeqCst), 1);
    assert!(std::thread::spawn(|| panic!("a host thread")).join().is_err());
    assert_eq!(HOST_HOOK_CALLS.load(Ordering::SeqCst), 2);

    // A panic on one of cx's worker threads (started by an export to share its work) is the export's, not the
    // host's: it resurfaces in the export and is reported through the status.
    let status = boundary(|| {
        let worker = std::thread::Builder::new()
            .name(cx_core::WORKER_THREAD_NAME.into())
            .spawn(|| panic!("on a cx worker"))
            .unwrap();
        worker.join().unwrap_or_else(|p| std::panic::resume_unwind(p))
    });
    assert_eq!(status, cx_status::Panic);
    assert_eq!(
        HOST_HOOK_CALLS.load(Ordering::SeqCst),
        2,
        "a worker's panic is not reported to the host"
    );

    // And a cx call after them is quiet again.
    assert_eq!(boundary(|| panic!("inside cx again")), cx_status::Panic);
    assert_eq!(HOST_HOOK_CALLS.load(Ordering::SeqCst), 2);
}
