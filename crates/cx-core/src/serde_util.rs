//! Serde helpers shared by result types.

/// Serialises an `f64` that may be non-finite so that it round-trips through JSON (which has no NaN or
/// infinity, and which `serde_json` would otherwise write as `null` and refuse to read back into an `f64`):
/// NaN ("undefined", e.g. the SE of one weighted response) is written as `null`, +∞ and −∞ as the strings
/// `"inf"` and `"-inf"`. Reading accepts a number, `null` (NaN) and the strings `"nan"`, `"inf"`, `"-inf"`
/// (also `"NaN"`, `"Infinity"`, `"-Infinity"`). Every `f64` field of a result type that can be non-finite
/// carries this attribute, so results pickle (Python pickles through this JSON) and states read their own
/// bytes.
pub mod nan_as_null {
    use serde::{Deserializer, Serializer};

    /// Writes NaN as `null`, ±∞ as `"inf"`/`"-inf"`, finite values as numbers.
    pub fn serialize<S: Serializer>(value: &f64, s: S) -> Result<S::Ok, S::Error> {
        if value.is_nan() {
            s.serialize_none()
        } else if value.is_infinite() {
            s.serialize_str(if *value > 0.0 { "inf" } else { "-inf" })
        } else {
            s.serialize_f64(*value)
        }
    }

    /// Reads a number, `null` (NaN) or a non-finite spelling.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        d.deserialize_any(super::NonFinite)
    }
}

/// [`nan_as_null`] for an optional `f64`: `None` is `null`, and inside `Some` NaN is the string `"nan"` (so a
/// present-but-undefined value stays distinct from an absent one), ±∞ `"inf"`/`"-inf"`.
pub mod option_nan_as_null {
    use serde::{Deserializer, Serializer};

    /// Writes `None` as `null`, `Some(NaN)` as `"nan"`, ±∞ as `"inf"`/`"-inf"`.
    pub fn serialize<S: Serializer>(value: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            None => s.serialize_none(),
            Some(v) if v.is_nan() => s.serialize_str("nan"),
            Some(v) => super::nan_as_null::serialize(v, s),
        }
    }

    /// Reads `null` as `None`, and a number or a non-finite spelling as `Some`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        d.deserialize_any(super::OptionNonFinite)
    }
}

/// Visits a JSON number, `null` (NaN) or a non-finite spelling as an `f64`.
struct NonFinite;

fn non_finite_str<E: serde::de::Error>(v: &str) -> Result<f64, E> {
    match v {
        "nan" | "NaN" => Ok(f64::NAN),
        "inf" | "Infinity" | "+inf" => Ok(f64::INFINITY),
        "-inf" | "-Infinity" => Ok(f64::NEG_INFINITY),
        _ => Err(E::invalid_value(
            serde::de::Unexpected::Str(v),
            &"a number, null, \"inf\" or \"-inf\"",
        )),
    }
}

impl serde::de::Visitor<'_> for NonFinite {
    type Value = f64;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a number, null (NaN), \"inf\" or \"-inf\"")
    }
    fn visit_f64<E>(self, v: f64) -> Result<f64, E> {
        Ok(v)
    }
    fn visit_i64<E>(self, v: i64) -> Result<f64, E> {
        Ok(v as f64)
    }
    fn visit_u64<E>(self, v: u64) -> Result<f64, E> {
        Ok(v as f64)
    }
    fn visit_unit<E>(self) -> Result<f64, E> {
        Ok(f64::NAN)
    }
    fn visit_none<E>(self) -> Result<f64, E> {
        Ok(f64::NAN)
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<f64, E> {
        non_finite_str(v)
    }
}

/// Visits `null` as `None`, anything [`NonFinite`] reads as `Some`.
struct OptionNonFinite;

impl serde::de::Visitor<'_> for OptionNonFinite {
    type Value = Option<f64>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("null, a number, \"nan\", \"inf\" or \"-inf\"")
    }
    fn visit_f64<E>(self, v: f64) -> Result<Option<f64>, E> {
        Ok(Some(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Option<f64>, E> {
        Ok(Some(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Option<f64>, E> {
        Ok(Some(v as f64))
    }
    fn visit_unit<E>(self) -> Result<Option<f64>, E> {
        Ok(None)
    }
    fn visit_none<E>(self) -> Result<Option<f64>, E> {
        Ok(None)
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Option<f64>, E> {
        non_finite_str(v).map(Some)
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

#[cfg(test)]
mod tests {
    use crate::survey::{Comparison, Estimate, Histogram, MetricSpec, MissingPolicy, compare};

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Both {
        #[serde(with = "super::nan_as_null")]
        x: f64,
        #[serde(with = "super::option_nan_as_null")]
        o: Option<f64>,
    }

    fn round_trip(x: f64, o: Option<f64>) -> (String, Both) {
        let json = serde_json::to_string(&Both { x, o }).unwrap();
        let back = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{json}: {e}"));
        (json, back)
    }

    #[test]
    fn non_finite_floats_round_trip() {
        let (json, b) = round_trip(f64::NAN, Some(f64::NAN));
        assert_eq!(json, r#"{"x":null,"o":"nan"}"#);
        assert!(b.x.is_nan() && b.o.is_some_and(f64::is_nan));
        for v in [f64::INFINITY, f64::NEG_INFINITY, 0.0, -1.5, 1e308] {
            let (json, b) = round_trip(v, Some(v));
            assert_eq!(b, Both { x: v, o: Some(v) }, "{json}");
        }
        assert_eq!(round_trip(1.0, None).1.o, None);
        let ints: Both = serde_json::from_str(r#"{"x":3,"o":-4}"#).unwrap();
        assert_eq!(ints, Both { x: 3.0, o: Some(-4.0) });
        assert!(serde_json::from_str::<Both>(r#"{"x":"huge","o":null}"#).is_err());
    }

    /// Issue 20 item 6: a comparison with undefined statistics (two samples of all promoters: no spread)
    /// pickled through JSON and was refused on reading.
    #[test]
    fn default_nps_comparison_with_nan_fields_round_trips() {
        let spec = MetricSpec::nps();
        let a = Histogram::from_scores(spec.scale, &[10u8, 10, 10], None, MissingPolicy::Skip).unwrap();
        let b = Histogram::from_scores(spec.scale, &[10u8, 10], None, MissingPolicy::Skip).unwrap();
        let c = compare(&spec, &a, &b, None, 0.95).unwrap();
        let json = serde_json::to_string(&c).unwrap();
        assert!(json.contains("null"), "{json}");
        let back: Comparison = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{json}: {e}"));
        assert_eq!(serde_json::to_string(&back).unwrap(), json);
        let e = crate::survey::score(&spec, &[10.0], Some(&[2.0]), &Default::default()).unwrap();
        let json = serde_json::to_string(&e).unwrap();
        let back: Estimate = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{json}: {e}"));
        assert_eq!(serde_json::to_string(&back).unwrap(), json);
    }
}
