//! The one boundary every export goes through: panics are caught (and print nothing), errors become a status
//! plus a thread-local message, and raw pointers become references and slices only after they are checked.
//!
//! The pointer rules, applied by the helpers below and nowhere else: an input array's length is checked against
//! the largest array of its type (`isize::MAX` bytes) before a slice is made, so a stray length is
//! `CX_STATUS_INVALID_ARGUMENT` naming the argument instead of a read out of bounds; every pointer, input or
//! output, is checked for NULL and alignment before the work starts; outputs are written only after everything
//! that can fail has succeeded; and a message is built from names and numbers the caller passed, never from
//! memory read through a pointer that was not checked.

use crate::status::cx_status;
use cx_core::CxError;
use std::cell::{Cell, RefCell};
use std::ffi::c_char;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

/// Why an export failed.
#[derive(Debug)]
pub enum FfiError {
    /// An error from the core.
    Core(CxError),
    /// A required pointer was NULL (or NULL with a non-zero length).
    Null(&'static str),
    /// A pointer is not aligned for its type.
    Misaligned(&'static str),
    /// A string is not UTF-8.
    Utf8 { name: &'static str, valid_up_to: usize },
    /// An output buffer is too small.
    TooSmall {
        name: &'static str,
        needed: usize,
        given: usize,
    },
    /// A length larger than any array of the element type can be (more than `isize::MAX` bytes).
    TooLong { name: &'static str, len: usize, max: usize },
}

impl From<CxError> for FfiError {
    fn from(e: CxError) -> Self {
        FfiError::Core(e)
    }
}

impl FfiError {
    pub(crate) fn status(&self) -> cx_status {
        match self {
            FfiError::Core(e) => cx_status::of(e),
            FfiError::Null(_) => cx_status::NullArgument,
            FfiError::Misaligned(_) => cx_status::MisalignedPointer,
            FfiError::Utf8 { .. } => cx_status::InvalidUtf8,
            FfiError::TooSmall { .. } => cx_status::BufferTooSmall,
            FfiError::TooLong { .. } => cx_status::InvalidArgument,
        }
    }

    fn message(&self) -> String {
        match self {
            FfiError::Core(e) => e.to_string(),
            FfiError::Null(name) => format!("`{name}` is NULL"),
            FfiError::Misaligned(name) => format!("`{name}` is not aligned for its type"),
            FfiError::Utf8 { name, valid_up_to } => {
                format!("`{name}` is not valid UTF-8 (valid up to byte {valid_up_to})")
            }
            FfiError::TooSmall { name, needed, given } => {
                format!("`{name}` holds {given} but {needed} are needed")
            }
            FfiError::TooLong { name, len, max } => {
                format!("the length of `{name}` is {len}, more than any array of its type can hold ({max})")
            }
        }
    }
}

/// Result type of export bodies.
pub type FfiResult<T = ()> = Result<T, FfiError>;

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

fn set_last_error(message: String) {
    LAST_ERROR.with(|m| *m.borrow_mut() = message);
}

/// The last error message of this thread ("" after a success).
pub fn last_error() -> String {
    LAST_ERROR.with(|m| m.borrow().clone())
}

thread_local! {
    /// How many cx exports are running on this thread (more than one only if an export calls another).
    static INSIDE: Cell<u32> = const { Cell::new(0) };
    /// Where the last contained panic of this thread happened, recorded by the quiet hook.
    static PANIC_LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

static QUIET_HOOK: Once = Once::new();

/// Installs, once per process, a panic hook that keeps panics inside cx exports quiet: the host owns its stderr,
/// and the panic is reported through the status and the last-error message instead. A panic anywhere else (the
/// host's own Rust code, other threads outside a cx call) goes to the hook that was installed before, so the
/// host's panic reporting is unchanged. A host that installs its own hook later replaces this one, and then cx
/// panics are reported by the host's hook as well; the status is `CX_STATUS_PANIC` either way.
fn install_quiet_hook() {
    // `take_hook` and `set_hook` panic when called on a panicking thread (an export called from a destructor
    // during unwinding); such a call leaves the hook as it is.
    if std::thread::panicking() {
        return;
    }
    QUIET_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // `try_with`: a panic while the thread's locals are torn down is not inside an export. A panic on one
            // of cx's worker threads belongs to the export that started it (it resurfaces there and is caught).
            // The flag first: `thread::current` allocates the calling thread's handle when it has none yet (a C
            // host's thread), which valgrind reports as possibly lost; cx's workers have theirs from the start.
            let inside = INSIDE.try_with(Cell::get).unwrap_or(0) > 0;
            if inside || std::thread::current().name() == Some(cx_core::WORKER_THREAD_NAME) {
                let location = info.location().map(|l| format!("{}:{}", l.file(), l.line()));
                let _ = PANIC_LOCATION.try_with(|p| *p.borrow_mut() = location);
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f` with panics caught and kept quiet (see [`install_quiet_hook`]); `Err` carries the panic's message
/// and location.
pub(crate) fn contained<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    install_quiet_hook();
    INSIDE.with(|n| n.set(n.get() + 1));
    let result = catch_unwind(AssertUnwindSafe(f));
    INSIDE.with(|n| n.set(n.get() - 1));
    result.map_err(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        match PANIC_LOCATION.with(|p| p.borrow_mut().take()) {
            Some(at) => format!("{what} (at {at})"),
            None => what,
        }
    })
}

/// Runs an export body: `Ok` → `CX_STATUS_OK`; an error → its status and message; a panic → `CX_STATUS_PANIC`,
/// with the panic's message and location in the last-error message and nothing printed to stderr.
pub fn boundary(body: impl FnOnce() -> FfiResult) -> cx_status {
    match contained(body) {
        Ok(Ok(())) => {
            set_last_error(String::new());
            cx_status::Ok
        }
        Ok(Err(e)) => {
            set_last_error(e.message());
            e.status()
        }
        Err(what) => {
            set_last_error(format!(
                "internal error (panic) in cx: {what}; this is a bug in cx, please report it"
            ));
            cx_status::Panic
        }
    }
}

/// The largest length an array of `T` can have: `isize::MAX` bytes, the bound of `slice::from_raw_parts`.
fn max_len<T>() -> usize {
    isize::MAX as usize / size_of::<T>().max(1)
}

/// Checks a caller-given length against [`max_len`] before it is used to make a slice or write.
pub fn check_len<T>(len: usize, name: &'static str) -> FfiResult {
    let max = max_len::<T>();
    if len > max {
        Err(FfiError::TooLong { name, len, max })
    } else {
        Ok(())
    }
}

fn check_aligned<T>(ptr: *const T, name: &'static str) -> FfiResult {
    if ptr.is_aligned() {
        Ok(())
    } else {
        Err(FfiError::Misaligned(name))
    }
}

/// The slice `(ptr, len)`: `(NULL, 0)` is empty; NULL with `len > 0` is an error.
///
/// # Safety
/// A non-NULL `ptr` must point to `len` initialised values of `T` that stay valid and unmodified for `'a`.
pub unsafe fn slice<'a, T>(ptr: *const T, len: usize, name: &'static str) -> FfiResult<&'a [T]> {
    if ptr.is_null() {
        return if len == 0 { Ok(&[]) } else { Err(FfiError::Null(name)) };
    }
    check_aligned(ptr, name)?;
    check_len::<T>(len, name)?;
    // SAFETY: non-NULL and aligned, `len` within the bound of `from_raw_parts` (checked); the caller guarantees
    // `len` valid elements for 'a.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// An optional array: NULL means "not given" (e.g. no weights), otherwise as [`slice`].
///
/// # Safety
/// As [`slice`].
pub unsafe fn optional_slice<'a, T>(ptr: *const T, len: usize, name: &'static str) -> FfiResult<Option<&'a [T]>> {
    if ptr.is_null() {
        Ok(None)
    } else {
        // SAFETY: forwarded contract.
        unsafe { slice(ptr, len, name) }.map(Some)
    }
}

/// A UTF-8 string given as pointer + length (no NUL needed).
///
/// # Safety
/// As [`slice`] for `len` bytes.
pub unsafe fn utf8<'a>(ptr: *const c_char, len: usize, name: &'static str) -> FfiResult<&'a str> {
    // SAFETY: forwarded contract.
    let bytes = unsafe { slice(ptr.cast::<u8>(), len, name) }?;
    std::str::from_utf8(bytes).map_err(|e| FfiError::Utf8 {
        name,
        valid_up_to: e.valid_up_to(),
    })
}

/// A shared reference from a pointer that must not be NULL.
///
/// # Safety
/// A non-NULL `ptr` must point to a valid `T` for `'a`.
pub unsafe fn reference<'a, T>(ptr: *const T, name: &'static str) -> FfiResult<&'a T> {
    if ptr.is_null() {
        return Err(FfiError::Null(name));
    }
    check_aligned(ptr, name)?;
    // SAFETY: non-NULL, aligned, valid per the caller.
    Ok(unsafe { &*ptr })
}

/// Writes `value` through an output pointer (checked first; called only once the result is ready, so outputs
/// are written only on success).
///
/// # Safety
/// A non-NULL `ptr` must be valid for writing a `T`.
pub unsafe fn write<T>(ptr: *mut T, value: T, name: &'static str) -> FfiResult {
    if ptr.is_null() {
        return Err(FfiError::Null(name));
    }
    check_aligned(ptr, name)?;
    // SAFETY: non-NULL, aligned, writable per the caller; `write` does not read or drop the old value.
    unsafe { ptr.write(value) };
    Ok(())
}

/// Checks that an output pointer is usable before the work starts (so a NULL output fails fast).
pub fn check_out<T>(ptr: *mut T, name: &'static str) -> FfiResult {
    if ptr.is_null() {
        return Err(FfiError::Null(name));
    }
    check_aligned(ptr, name)
}

/// Checks an output array before the work starts: `ptr` non-NULL and aligned, and `len` (what the caller says
/// it holds) at least `needed` (what will be written), which must itself be a possible array length.
pub fn check_out_array<T>(ptr: *mut T, len: usize, needed: usize, name: &'static str) -> FfiResult {
    check_out(ptr, name)?;
    check_len::<T>(needed, name)?;
    if len < needed {
        return Err(FfiError::TooSmall {
            name,
            needed,
            given: len,
        });
    }
    Ok(())
}

/// Writes `values` to the output array `ptr`, once the result is ready.
///
/// # Safety
/// `ptr` passed [`check_out_array`] with `needed >= values.len()`, and is writable for that many elements.
pub unsafe fn write_array<T: Copy>(ptr: *mut T, values: &[T]) {
    // SAFETY: the caller's contract; `values` is our own allocation, so the two cannot overlap.
    unsafe { std::ptr::copy_nonoverlapping(values.as_ptr(), ptr, values.len()) }
}

/// Copies `bytes` into the caller's buffer `(buf, len)`. `*written` (if not NULL) receives the number of bytes
/// needed, also on `CX_STATUS_BUFFER_TOO_SMALL`, so a caller can size the buffer with a first call passing
/// `(NULL, 0)`. With `nul_terminate`, a NUL is appended (and counted in the size needed).
///
/// # Safety
/// A non-NULL `buf` must be valid for writing `len` bytes; a non-NULL `written` for one `usize`.
pub unsafe fn copy_out(
    bytes: &[u8],
    buf: *mut u8,
    len: usize,
    written: *mut usize,
    nul_terminate: bool,
    name: &'static str,
) -> FfiResult {
    let needed = bytes.len() + usize::from(nul_terminate);
    if !written.is_null() {
        // SAFETY: non-NULL per the check, writable per the caller.
        unsafe { write(written, needed, "written") }?;
    }
    if len < needed || buf.is_null() {
        return Err(FfiError::TooSmall {
            name,
            needed,
            given: if buf.is_null() { 0 } else { len },
        });
    }
    // SAFETY: `buf` is writable for `len >= needed` bytes; source and destination cannot overlap (ours is a
    // fresh Rust allocation).
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf, bytes.len());
        if nul_terminate {
            buf.add(bytes.len()).write(0);
        }
    }
    Ok(())
}

/// `value` as JSON (NUL-terminated) in `buf`, with [`copy_out`]'s contract: `*written` gets the size needed, also
/// when the buffer is too small.
///
/// # Safety
/// A non-NULL `buf` must be valid for writing `len` bytes; a non-NULL `written` for one `usize`.
pub unsafe fn json_out<T: serde::Serialize>(
    value: &T,
    buf: *mut std::ffi::c_char,
    len: usize,
    written: *mut usize,
) -> FfiResult {
    let json = serde_json::to_string(value).expect("core results always serialise");
    // SAFETY: forwarded contract.
    unsafe { copy_out(json.as_bytes(), buf.cast(), len, written, true, "buf") }
}
