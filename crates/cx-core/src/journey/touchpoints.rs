//! CSAT, CES (or any survey metric) per touchpoint of a roadmap, with each touchpoint's phase, channel, owner and
//! hygiene / motivator factor beside its estimate.

use super::roadmap::{Factor, Roadmap};
use crate::survey::{Estimate, GroupOptions, MetricSpec, ScoreValue, score_by};
use crate::{CxError, Result};
use serde::{Deserialize, Serialize};

/// One touchpoint's survey estimate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TouchpointScore {
    /// The touchpoint's id.
    pub touchpoint: String,
    /// Its phase.
    pub phase: String,
    /// Its channel.
    pub channel: String,
    /// Its owner.
    pub owner: String,
    /// Hygiene or motivator.
    pub factor: Factor,
    /// The estimate (`None` when the touchpoint has no responses or too few; see `note`).
    pub estimate: Option<Estimate>,
    /// Why there is no estimate.
    pub note: Option<String>,
}

impl Roadmap {
    /// Scores `scores` by the touchpoint each response is about (`touchpoints[i]`, an id of the roadmap's
    /// touchpoints), one row per touchpoint in roadmap order, touchpoints without responses included.
    ///
    /// ```
    /// use cx_core::journey::Roadmap;
    /// use cx_core::survey::{GroupOptions, MetricSpec};
    ///
    /// let roadmap = Roadmap::from_json(br#"{"version": 1, "name": "r", "stages": [{"id": "s", "name": "S"}],
    ///   "touchpoints": [
    ///     {"id": "login", "name": "Log in", "phase": "post_purchase", "channel": "web", "owner": "product",
    ///      "factor": "hygiene"},
    ///     {"id": "onboarding_call", "name": "Onboarding call", "phase": "post_purchase", "channel": "phone",
    ///      "owner": "cs", "factor": "motivator"}]}"#)?;
    /// let rows = roadmap.touchpoint_scores(&MetricSpec::csat(), &[5.0, 4.0, 2.0], &["login", "login", "login"],
    ///                                      &GroupOptions::default())?;
    /// assert!((rows[0].estimate.as_ref().unwrap().value - 66.666_666).abs() < 1e-4); // top-2 box, %
    /// assert!(rows[1].estimate.is_none());
    /// # Ok::<(), cx_core::CxError>(())
    /// ```
    pub fn touchpoint_scores<T: ScoreValue, K: AsRef<str>>(
        &self,
        spec: &MetricSpec,
        scores: &[T],
        touchpoints: &[K],
        options: &GroupOptions,
    ) -> Result<Vec<TouchpointScore>> {
        let keys: Vec<&str> = touchpoints.iter().map(AsRef::as_ref).collect();
        if let Some((i, id)) = keys
            .iter()
            .enumerate()
            .find(|(_, k)| !self.touchpoints.iter().any(|t| t.id == **k))
        {
            return Err(CxError::UnknownId {
                what: "survey responses".into(),
                kind: "touchpoint".into(),
                id: (*id).into(),
                at: format!("touchpoints[{i}]"),
            });
        }
        let by = score_by(spec, scores, &keys, None, options)?;
        Ok(self
            .touchpoints
            .iter()
            .map(|t| {
                let row = by.rows.iter().find(|r| r.key == t.id);
                let suppressed = by.suppressed.iter().find(|s| s.key == t.id);
                TouchpointScore {
                    touchpoint: t.id.clone(),
                    phase: t.phase.clone(),
                    channel: t.channel.clone(),
                    owner: t.owner.clone(),
                    factor: t.factor,
                    estimate: row.map(|r| r.estimate.clone()),
                    note: match (row, suppressed) {
                        (Some(_), _) => None,
                        (None, Some(s)) => Some(s.reason.clone()),
                        (None, None) => Some("no responses".into()),
                    },
                }
            })
            .collect())
    }
}
