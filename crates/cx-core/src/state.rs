//! The byte format of partial states: what a partition of Spark or Dask (or a thread, or yesterday's batch) sends
//! to be merged.
//!
//! Every state travels in the same envelope:
//!
//! | bytes | content |
//! |---|---|
//! | 4 | magic `CXST` |
//! | 2 | format version (little-endian), [`FORMAT_VERSION`] |
//! | 2 | kind of state ([`Kind`]) |
//! | 4 | payload length |
//! | n | payload |
//! | 4 | CRC-32 of everything before it |
//!
//! Payloads are little-endian; counts and lengths are LEB128 varints (a count of 3 takes one byte), signed
//! integers zigzag varints, floats their exact IEEE bits, so a state read back is bit-for-bit the state written.
//! A truncated, padded or corrupted buffer, or a state of another kind, is a [`CxError::InvalidConfig`] naming
//! the state and the byte offset, never a panic; the checksum catches flipped bits that would still parse.
//!
//! # What the checksum is for, and states from untrusted sources
//!
//! The CRC-32 detects **accidental damage**: a truncated upload, a flipped bit on disk, bytes of the wrong
//! file. It is not a signature. Anyone can compute it ([`wrap`] does, for any payload), so it proves nothing
//! about who wrote a state or whether its numbers are real.
//!
//! cx therefore treats every state's bytes as untrusted input, checksum or not. Each decoder validates what it
//! reads: lengths are bounded by the bytes left (a length cannot make the reader allocate more than the buffer
//! holds), versions, kinds, flags and specs are checked, keys are in order, period keys lie inside the
//! supported calendar and span at most [`MAX_PERIODS`](crate::survey::MAX_PERIODS) periods, counts are
//! consistent (each histogram's responses add to at most 2^64 − 1, and merges that would overflow are
//! [`CxError::Overflow`]). Bytes that fail a check are an error, never a panic, and a state that decodes can be
//! merged, scored and trended without panicking or allocating more than a bounded multiple of its size (a trend
//! materialises no histogram for empty periods).
//!
//! What cx cannot do is tell forged counts from real ones: a well-formed state that claims a million promoters
//! decodes and merges like any other. A service that accepts states from sources it does not control (other
//! tenants, clients, a queue others can write to) must authenticate them where they travel, with a MAC (HMAC
//! with a key the service holds) or a signature over the bytes, checked before `from_bytes`; and, as with any
//! untrusted upload, bound the size it accepts. `docs/partial_states.md` says the same for every surface.

use crate::{CxError, Result};

/// Version of the envelope and payload layouts.
pub const FORMAT_VERSION: u16 = 1;

const MAGIC: &[u8; 4] = b"CXST";
const HEADER: usize = 12;
const TRAILER: usize = 4;

/// The kinds of state the envelope carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u16)]
pub enum Kind {
    /// [`crate::survey::Accumulator`]: one metric's histogram.
    Accumulator = 1,
    /// [`crate::survey::GroupedAccumulator`]: one histogram per group or period.
    GroupedAccumulator = 2,
    /// [`crate::journey::FunnelState`]: step counts and conversion times of whole accounts.
    Funnel = 3,
    /// [`crate::health::ValidationCounts`]: scored accounts and churn per distinct score.
    Validation = 4,
    /// [`crate::health::Population`]: the observed values of a scorecard's percentile measures.
    Population = 5,
}

impl Kind {
    /// The name used in error messages.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Accumulator => "accumulator",
            Kind::GroupedAccumulator => "grouped accumulator",
            Kind::Funnel => "funnel state",
            Kind::Validation => "validation counts",
            Kind::Population => "population",
        }
    }

    fn from_code(code: u16) -> Option<Kind> {
        [
            Kind::Accumulator,
            Kind::GroupedAccumulator,
            Kind::Funnel,
            Kind::Validation,
            Kind::Population,
        ]
        .into_iter()
        .find(|k| *k as u16 == code)
    }
}

/// The kind of state in `bytes`, after checking the envelope (magic, version, length and checksum).
pub fn kind_of(bytes: &[u8]) -> Result<Kind> {
    let (kind, _) = open_any(bytes, "state")?;
    Ok(kind)
}

/// Merges two states of the same kind given as bytes, returning the merged state's bytes: what a C caller or a
/// reducer that does not know the kind needs. States of different kinds, metrics or specs are errors.
///
/// ```
/// use cx_core::state;
/// use cx_core::survey::{Accumulator, MetricSpec, MissingPolicy};
///
/// let mut a = Accumulator::new(MetricSpec::nps())?;
/// a.add(&[10.0, 3.0], None, MissingPolicy::Skip)?;
/// let mut b = Accumulator::new(MetricSpec::nps())?;
/// b.add(&[9.0], None, MissingPolicy::Skip)?;
/// let merged = Accumulator::from_bytes(&state::merge(&a.to_bytes(), &b.to_bytes())?)?;
/// assert_eq!(merged.histogram().n(), 3);
/// # Ok::<(), cx_core::CxError>(())
/// ```
pub fn merge(a: &[u8], b: &[u8]) -> Result<Vec<u8>> {
    use crate::health::{Population, ValidationCounts};
    use crate::journey::FunnelState;
    use crate::survey::{Accumulator, GroupedAccumulator};
    let (ka, kb) = (kind_of(a)?, kind_of(b)?);
    if ka != kb {
        return Err(CxError::invalid_argument(
            "b",
            kb.name(),
            format!("cannot merge into a {}", ka.name()),
        ));
    }
    Ok(match ka {
        Kind::Accumulator => {
            let mut x = Accumulator::from_bytes(a)?;
            x.merge(&Accumulator::from_bytes(b)?)?;
            x.to_bytes()
        }
        Kind::GroupedAccumulator => {
            let mut x = GroupedAccumulator::from_bytes(a)?;
            x.merge(&GroupedAccumulator::from_bytes(b)?)?;
            x.to_bytes()
        }
        Kind::Funnel => {
            let mut x = FunnelState::from_bytes(a)?;
            x.merge(&FunnelState::from_bytes(b)?)?;
            x.to_bytes()
        }
        Kind::Validation => {
            let mut x = ValidationCounts::from_bytes(a)?;
            x.merge(&ValidationCounts::from_bytes(b)?)?;
            x.to_bytes()
        }
        Kind::Population => {
            let mut x = Population::from_bytes(a)?;
            x.merge(&Population::from_bytes(b)?)?;
            x.to_bytes()
        }
    })
}

/// Wraps `payload` in the envelope of a state of `kind` (header, length and checksum), the bytes of which any
/// reader then decodes: for tests and fuzzing that must reach the payload decoders past the checksum, and a
/// demonstration that the checksum is no authentication (see the [module docs](self)).
///
/// ```
/// use cx_core::state::{self, Kind};
/// use cx_core::survey::GroupedAccumulator;
///
/// // A payload that is not a grouped state: the envelope passes, the decoder refuses the payload.
/// let bytes = state::wrap(Kind::GroupedAccumulator, b"\x02{}");
/// assert_eq!(state::kind_of(&bytes)?, Kind::GroupedAccumulator);
/// assert!(GroupedAccumulator::from_bytes(&bytes).is_err());
/// # Ok::<(), cx_core::CxError>(())
/// ```
///
/// # Panics
///
/// When `payload` is 4 GiB or more (the envelope's length field is 32 bits).
pub fn wrap(kind: Kind, payload: &[u8]) -> Vec<u8> {
    let mut w = Writer::new(kind);
    w.buf.extend_from_slice(payload);
    w.finish()
}

fn corrupt(what: &str, offset: usize, reason: impl Into<String>) -> CxError {
    CxError::InvalidConfig {
        what: format!("{what} bytes"),
        field: format!("byte {offset}"),
        reason: reason.into(),
    }
}

/// Writes one payload; [`Writer::finish`] wraps it in the envelope.
#[derive(Debug)]
pub(crate) struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    pub(crate) fn new(kind: Kind) -> Writer {
        let mut buf = Vec::with_capacity(64);
        buf.extend_from_slice(MAGIC);
        buf.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        buf.extend_from_slice(&(kind as u16).to_le_bytes());
        buf.extend_from_slice(&[0; 4]); // payload length, filled in by `finish`
        Writer { buf }
    }

    pub(crate) fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    pub(crate) fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }

    pub(crate) fn len(&mut self, n: usize) {
        self.varint(n as u64);
    }

    pub(crate) fn signed(&mut self, v: i64) {
        self.varint(((v << 1) ^ (v >> 63)) as u64);
    }

    pub(crate) fn f64(&mut self, v: f64) {
        self.buf.extend_from_slice(&v.to_bits().to_le_bytes());
    }

    pub(crate) fn bytes(&mut self, v: &[u8]) {
        self.len(v.len());
        self.buf.extend_from_slice(v);
    }

    pub(crate) fn str(&mut self, v: &str) {
        self.bytes(v.as_bytes());
    }

    pub(crate) fn finish(mut self) -> Vec<u8> {
        let payload = self.buf.len() - HEADER;
        let payload = u32::try_from(payload).expect("a state under 4 GiB");
        self.buf[8..12].copy_from_slice(&payload.to_le_bytes());
        let crc = crc32fast::hash(&self.buf);
        self.buf.extend_from_slice(&crc.to_le_bytes());
        self.buf
    }
}

/// Reads one payload; every read checks the bytes left and names the offset when they run out.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    what: &'static str,
    bytes: &'a [u8],
    at: usize,
}

fn open_any<'a>(bytes: &'a [u8], what: &'static str) -> Result<(Kind, Reader<'a>)> {
    if bytes.len() < HEADER + TRAILER {
        return Err(corrupt(
            what,
            bytes.len(),
            format!(
                "{} bytes is too short for a state (at least {})",
                bytes.len(),
                HEADER + TRAILER
            ),
        ));
    }
    if &bytes[..4] != MAGIC {
        return Err(corrupt(what, 0, "does not start with CXST: not a cx state"));
    }
    let version = u16::from_le_bytes([bytes[4], bytes[5]]);
    if version != FORMAT_VERSION {
        return Err(CxError::UnsupportedVersion {
            what: format!("{what} bytes"),
            found: u32::from(version),
            supported: u32::from(FORMAT_VERSION),
        });
    }
    let code = u16::from_le_bytes([bytes[6], bytes[7]]);
    let payload = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes")) as usize;
    let expected = HEADER + payload + TRAILER;
    if bytes.len() != expected {
        let how = if bytes.len() < expected {
            "truncated"
        } else {
            "has trailing bytes"
        };
        return Err(corrupt(
            what,
            bytes.len().min(expected),
            format!("{how}: the header announces {expected} bytes, found {}", bytes.len()),
        ));
    }
    let stored = u32::from_le_bytes(bytes[expected - 4..].try_into().expect("4 bytes"));
    let computed = crc32fast::hash(&bytes[..expected - 4]);
    if stored != computed {
        return Err(corrupt(
            what,
            expected - 4,
            format!("checksum mismatch (stored {stored:08x}, computed {computed:08x}): the bytes were damaged"),
        ));
    }
    let kind = Kind::from_code(code).ok_or_else(|| corrupt(what, 6, format!("unknown kind of state {code}")))?;
    let reader = Reader {
        what,
        bytes: &bytes[..expected - 4],
        at: HEADER,
    };
    Ok((kind, reader))
}

impl<'a> Reader<'a> {
    /// Opens the envelope and checks that it holds a state of `kind`.
    pub(crate) fn open(bytes: &'a [u8], kind: Kind) -> Result<Reader<'a>> {
        let (found, reader) = open_any(bytes, kind.name())?;
        if found != kind {
            return Err(corrupt(
                kind.name(),
                6,
                format!("holds a {}, not a {}", found.name(), kind.name()),
            ));
        }
        Ok(reader)
    }

    /// An error at the current offset.
    pub(crate) fn error(&self, reason: impl Into<String>) -> CxError {
        corrupt(self.what, self.at, reason)
    }

    /// The offset of the next byte to read, from the start of the state.
    pub(crate) fn offset(&self) -> usize {
        self.at
    }

    /// An error at `offset` (where the value that failed a check began).
    pub(crate) fn error_at(&self, offset: usize, reason: impl Into<String>) -> CxError {
        corrupt(self.what, offset, reason)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.bytes.len() - self.at < n {
            return Err(self.error(format!("payload ends before {n} more bytes")));
        }
        let out = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(out)
    }

    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    pub(crate) fn varint(&mut self) -> Result<u64> {
        let start = self.at;
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            let bits = u64::from(b & 0x7f);
            if shift == 63 && bits > 1 {
                self.at = start;
                return Err(self.error("varint overflows 64 bits"));
            }
            value |= bits << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        self.at = start;
        Err(self.error("varint longer than 10 bytes"))
    }

    /// A length that must fit in what is left of the payload, `unit` bytes per element at least: a corrupted
    /// length cannot make the reader allocate more than the buffer holds.
    pub(crate) fn len(&mut self, unit: usize) -> Result<usize> {
        let start = self.at;
        let n = self.varint()?;
        let left = (self.bytes.len() - self.at) as u64;
        if n.saturating_mul(unit.max(1) as u64) > left {
            self.at = start;
            return Err(self.error(format!("length {n} exceeds the {left} bytes left")));
        }
        Ok(n as usize)
    }

    pub(crate) fn signed(&mut self) -> Result<i64> {
        let z = self.varint()?;
        Ok((z >> 1) as i64 ^ -((z & 1) as i64))
    }

    pub(crate) fn f64(&mut self) -> Result<f64> {
        let b = self.take(8)?;
        Ok(f64::from_bits(u64::from_le_bytes(b.try_into().expect("8 bytes"))))
    }

    pub(crate) fn bytes(&mut self) -> Result<&'a [u8]> {
        let n = self.len(1)?;
        self.take(n)
    }

    pub(crate) fn str(&mut self) -> Result<&'a str> {
        let start = self.at;
        let b = self.bytes()?;
        std::str::from_utf8(b).map_err(|_| {
            self.at = start;
            self.error("string is not UTF-8")
        })
    }

    /// Checks that the whole payload was read.
    pub(crate) fn end(self) -> Result<()> {
        if self.at == self.bytes.len() {
            Ok(())
        } else {
            Err(self.error(format!(
                "{} unread bytes at the end of the payload",
                self.bytes.len() - self.at
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let mut w = Writer::new(Kind::Funnel);
        w.varint(0);
        w.varint(300);
        w.varint(u64::MAX);
        w.signed(-1);
        w.signed(i64::MIN);
        w.signed(i64::MAX);
        w.f64(-0.0);
        w.f64(0.1);
        w.str("東京");
        w.u8(7);
        w.finish()
    }

    #[test]
    fn every_value_round_trips() {
        let bytes = sample();
        let mut r = Reader::open(&bytes, Kind::Funnel).unwrap();
        assert_eq!(r.varint().unwrap(), 0);
        assert_eq!(r.varint().unwrap(), 300);
        assert_eq!(r.varint().unwrap(), u64::MAX);
        assert_eq!(r.signed().unwrap(), -1);
        assert_eq!(r.signed().unwrap(), i64::MIN);
        assert_eq!(r.signed().unwrap(), i64::MAX);
        assert_eq!(r.f64().unwrap().to_bits(), (-0.0f64).to_bits());
        assert_eq!(r.f64().unwrap(), 0.1);
        assert_eq!(r.str().unwrap(), "東京");
        assert_eq!(r.u8().unwrap(), 7);
        r.end().unwrap();
        assert_eq!(kind_of(&bytes).unwrap(), Kind::Funnel);
    }

    #[test]
    fn damage_is_an_error_naming_the_offset() {
        let bytes = sample();
        for cut in 0..bytes.len() {
            let err = Reader::open(&bytes[..cut], Kind::Funnel).unwrap_err();
            assert!(matches!(err, CxError::InvalidConfig { .. }), "{err}");
        }
        for i in 0..bytes.len() {
            let mut flipped = bytes.clone();
            flipped[i] ^= 0x10;
            assert!(Reader::open(&flipped, Kind::Funnel).is_err(), "flip at {i}");
        }
        let err = Reader::open(&bytes, Kind::Validation).unwrap_err();
        assert!(err.to_string().contains("holds a funnel state"), "{err}");
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(
            Reader::open(&longer, Kind::Funnel)
                .unwrap_err()
                .to_string()
                .contains("trailing")
        );
    }

    #[test]
    fn reads_past_the_payload_are_errors() {
        let mut w = Writer::new(Kind::Accumulator);
        w.varint(1 << 40); // a length far beyond the payload
        let bytes = w.finish();
        let mut r = Reader::open(&bytes, Kind::Accumulator).unwrap();
        let err = r.len(8).unwrap_err();
        assert!(err.to_string().contains("exceeds"), "{err}");
        let mut r = Reader::open(&bytes, Kind::Accumulator).unwrap();
        r.varint().unwrap();
        assert!(r.f64().is_err());
    }
}
