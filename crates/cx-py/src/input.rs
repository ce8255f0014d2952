//! Borrowing numpy arrays as slices, without copying.
//!
//! The Python layer (`cxkit/_input.py`) turns lists, pandas and polars Series into contiguous 1-D numpy arrays of
//! a supported dtype (copying only when it must: nullable integers, lists). Here each array is borrowed read-only
//! and its slice handed to the core, which is generic over the element type.

use crate::error::invalid_input;
use numpy::{Element, PyReadonlyArray1, PyUntypedArrayMethods};
use pyo3::prelude::*;

/// A borrowed 1-D array of scores in one of the element types the core reads directly.
pub enum Scores<'py> {
    F64(PyReadonlyArray1<'py, f64>),
    F32(PyReadonlyArray1<'py, f32>),
    I64(PyReadonlyArray1<'py, i64>),
    I32(PyReadonlyArray1<'py, i32>),
    I16(PyReadonlyArray1<'py, i16>),
    I8(PyReadonlyArray1<'py, i8>),
    U64(PyReadonlyArray1<'py, u64>),
    U32(PyReadonlyArray1<'py, u32>),
    U16(PyReadonlyArray1<'py, u16>),
    U8(PyReadonlyArray1<'py, u8>),
}

/// A slice of one of the [`Scores`] element types.
pub enum ScoreSlice<'a> {
    F64(&'a [f64]),
    F32(&'a [f32]),
    I64(&'a [i64]),
    I32(&'a [i32]),
    I16(&'a [i16]),
    I8(&'a [i8]),
    U64(&'a [u64]),
    U32(&'a [u32]),
    U16(&'a [u16]),
    U8(&'a [u8]),
}

/// Runs `$body` with `$s` bound to the typed slice, monomorphising the core call once per element type.
#[macro_export]
macro_rules! with_scores {
    ($slice:expr, $s:ident => $body:expr) => {
        match $slice {
            $crate::input::ScoreSlice::F64($s) => $body,
            $crate::input::ScoreSlice::F32($s) => $body,
            $crate::input::ScoreSlice::I64($s) => $body,
            $crate::input::ScoreSlice::I32($s) => $body,
            $crate::input::ScoreSlice::I16($s) => $body,
            $crate::input::ScoreSlice::I8($s) => $body,
            $crate::input::ScoreSlice::U64($s) => $body,
            $crate::input::ScoreSlice::U32($s) => $body,
            $crate::input::ScoreSlice::U16($s) => $body,
            $crate::input::ScoreSlice::U8($s) => $body,
        }
    };
}

/// The contiguous slice of a borrowed array, or an `InvalidInputError` naming the input.
pub fn slice_of<'a, T: Element>(array: &'a PyReadonlyArray1<'_, T>, name: &str) -> PyResult<&'a [T]> {
    array
        .as_slice()
        .map_err(|_| invalid_input(array.py(), format!("{name} must be a contiguous 1-D array")))
}

/// Calls `cxkit._input.<converter>(obj, name)`, which turns lists, pandas and polars Series into numpy arrays
/// (or raises `InvalidInputError` saying what is wrong).
fn convert<'py>(obj: &Bound<'py, PyAny>, converter: &str, name: &str) -> PyResult<Bound<'py, PyAny>> {
    obj.py().import("cxkit._input")?.getattr(converter)?.call1((obj, name))
}

impl<'py> Scores<'py> {
    /// Borrows `obj` if it is a contiguous 1-D numpy array of a supported dtype; anything else (lists, Series,
    /// strided views) goes through the Python converter first.
    pub fn borrow(obj: &Bound<'py, PyAny>, name: &str) -> PyResult<Scores<'py>> {
        if let Some(scores) = Self::borrow_array(obj) {
            return Ok(scores);
        }
        let converted = convert(obj, "as_scores", name)?;
        Self::borrow_array(&converted)
            .ok_or_else(|| invalid_input(obj.py(), format!("{name} must be a 1-D array of integers or floats")))
    }

    fn borrow_array(obj: &Bound<'py, PyAny>) -> Option<Scores<'py>> {
        macro_rules! try_as {
            ($($variant:ident: $t:ty),*) => {$(
                if let Ok(a) = obj.extract::<PyReadonlyArray1<'py, $t>>() {
                    return a.is_contiguous().then_some(Scores::$variant(a));
                }
            )*};
        }
        try_as!(F64: f64, F32: f32, I64: i64, I32: i32, I16: i16, I8: i8, U64: u64, U32: u32, U16: u16, U8: u8);
        None
    }

    /// The scores as a typed slice.
    pub fn slice(&self, name: &str) -> PyResult<ScoreSlice<'_>> {
        Ok(match self {
            Scores::F64(a) => ScoreSlice::F64(slice_of(a, name)?),
            Scores::F32(a) => ScoreSlice::F32(slice_of(a, name)?),
            Scores::I64(a) => ScoreSlice::I64(slice_of(a, name)?),
            Scores::I32(a) => ScoreSlice::I32(slice_of(a, name)?),
            Scores::I16(a) => ScoreSlice::I16(slice_of(a, name)?),
            Scores::I8(a) => ScoreSlice::I8(slice_of(a, name)?),
            Scores::U64(a) => ScoreSlice::U64(slice_of(a, name)?),
            Scores::U32(a) => ScoreSlice::U32(slice_of(a, name)?),
            Scores::U16(a) => ScoreSlice::U16(slice_of(a, name)?),
            Scores::U8(a) => ScoreSlice::U8(slice_of(a, name)?),
        })
    }
}

/// A borrowed 1-D array of `T`, converting `obj` with `cxkit._input.<converter>` when it is not one already.
pub fn array<'py, T: Element>(
    obj: &Bound<'py, PyAny>,
    converter: &str,
    name: &str,
) -> PyResult<PyReadonlyArray1<'py, T>> {
    if let Ok(a) = obj.extract::<PyReadonlyArray1<'py, T>>()
        && a.is_contiguous()
    {
        return Ok(a);
    }
    convert(obj, converter, name)?
        .extract::<PyReadonlyArray1<'py, T>>()
        .map_err(|_| invalid_input(obj.py(), format!("{name} could not be read as a 1-D array")))
}

/// Optional weights as a borrowed `float64` array.
pub fn weights<'py>(obj: Option<&Bound<'py, PyAny>>) -> PyResult<Option<PyReadonlyArray1<'py, f64>>> {
    obj.filter(|o| !o.is_none())
        .map(|o| array::<f64>(o, "as_float64", "weights"))
        .transpose()
}

/// Scores, the aligned column, and the weights if given.
pub type AlignedSlices<'a> = (ScoreSlice<'a>, &'a [i64], Option<&'a [f64]>);

/// Scores with an aligned int64 column (group codes or dates as days) and optional weights, borrowed together.
pub struct Aligned<'py> {
    scores: Scores<'py>,
    column: PyReadonlyArray1<'py, i64>,
    column_name: &'static str,
    weights: Option<PyReadonlyArray1<'py, f64>>,
}

impl<'py> Aligned<'py> {
    /// Borrows the three inputs; `converter` (in `cxkit._input`) turns `column` into int64 when it is not already.
    pub fn borrow(
        scores: &Bound<'py, PyAny>,
        column: &Bound<'py, PyAny>,
        converter: &str,
        column_name: &'static str,
        weights: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Self> {
        Ok(Aligned {
            scores: Scores::borrow(scores, "scores")?,
            column: array::<i64>(column, converter, column_name)?,
            column_name,
            weights: self::weights(weights)?,
        })
    }

    /// The slices: scores, the aligned column, and the weights if given.
    pub fn slices(&self) -> PyResult<AlignedSlices<'_>> {
        Ok((
            self.scores.slice("scores")?,
            slice_of(&self.column, self.column_name)?,
            self.weights.as_ref().map(|w| slice_of(w, "weights")).transpose()?,
        ))
    }
}
