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

/// Parses JSON into `T`. A schema error becomes [`crate::CxError::InvalidConfig`] on `what` naming the path of the
/// bad field (`measures[3].scoring.bad`); a syntax error names its line and column. Trailing data is an error.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(what: &str, json: &[u8]) -> crate::Result<T> {
    let invalid = |field: String, e: serde_json::Error| crate::CxError::InvalidConfig {
        what: what.into(),
        field,
        reason: e.to_string(),
    };
    let at_position = |e: serde_json::Error| invalid(format!("line {} column {}", e.line(), e.column()), e);
    let mut de = serde_json::Deserializer::from_slice(json);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." {
            at_position(inner)
        } else {
            invalid(path, inner)
        }
    })?;
    de.end().map_err(at_position)?;
    Ok(value)
}

/// Reads only the `version` field of a versioned document and checks it, so a document of another version is
/// reported as [`crate::CxError::UnsupportedVersion`] rather than as a schema error of this version.
pub(crate) fn check_version(what: &str, json: &[u8], supported: u32) -> crate::Result<()> {
    #[derive(serde::Deserialize)]
    struct Versioned {
        version: u32,
    }
    let Versioned { version } = from_json(what, json)?;
    if version == supported {
        Ok(())
    } else {
        Err(crate::CxError::UnsupportedVersion {
            what: what.into(),
            found: version,
            supported,
        })
    }
}
