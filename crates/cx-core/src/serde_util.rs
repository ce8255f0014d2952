//! Serde helpers shared by result types.

/// Serialises an `f64` that may be NaN ("undefined", e.g. the SE of one weighted response) as JSON `null`, and
/// reads `null` back as NaN, so results round-trip through JSON.
pub mod nan_as_null {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes NaN as `null`.
    pub fn serialize<S: Serializer>(value: &f64, s: S) -> Result<S::Ok, S::Error> {
        if value.is_nan() {
            s.serialize_none()
        } else {
            s.serialize_f64(*value)
        }
    }

    /// Reads `null` as NaN.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
    }
}

/// Parses JSON into `T`, turning a syntax or schema error into [`crate::CxError::InvalidConfig`] on `what` with its
/// line and column.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(what: &str, json: &[u8]) -> crate::Result<T> {
    serde_json::from_slice(json).map_err(|e| crate::CxError::InvalidConfig {
        what: what.into(),
        field: format!("line {} column {}", e.line(), e.column()),
        reason: e.to_string(),
    })
}
