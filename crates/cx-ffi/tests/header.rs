//! `include/cx.h` is what cbindgen generates from this crate: regenerate it and fail on any difference.
//! After an intended change of the C API, rewrite it with `CX_BLESS=1 cargo test -p cx-ffi --test header`.

use std::path::Path;

#[test]
fn committed_header_is_current() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header")
        .write(&mut generated);
    let header = crate_dir.join("../../include/cx.h");
    if std::env::var_os("CX_BLESS").is_some() {
        std::fs::write(&header, &generated).unwrap();
    }
    let committed = std::fs::read(&header).unwrap_or_default();
    assert!(
        committed == generated,
        "include/cx.h is out of date; rerun with CX_BLESS=1 if the change of the C API is intended"
    );
}

#[test]
fn version_macros_match_cargo_toml() {
    let parse = |s: &str| s.parse::<u32>().unwrap();
    assert_eq!(cx::CX_VERSION_MAJOR, parse(env!("CARGO_PKG_VERSION_MAJOR")));
    assert_eq!(cx::CX_VERSION_MINOR, parse(env!("CARGO_PKG_VERSION_MINOR")));
    assert_eq!(cx::CX_VERSION_PATCH, parse(env!("CARGO_PKG_VERSION_PATCH")));
}
