//! Parent links between configured items (scorecard groups, goals): every parent must exist and following the
//! links must end at a root. Shared so that both report the same two errors, [`CxError::UnknownId`] and
//! [`CxError::Cycle`].

use crate::{CxError, Result};
use std::collections::HashMap;

/// One item of a hierarchy as the checker sees it.
pub(crate) struct Link<'a> {
    /// The item's id.
    pub id: &'a str,
    /// Its parent's id, if any.
    pub parent: Option<&'a str>,
    /// Where the parent reference is written, for errors: `"goals[2].parent"`.
    pub at: String,
}

/// The index of each item's parent (`None` for roots), after checking that every parent exists and that there
/// is no cycle. `what` names the configuration and `kind` the items, for the messages. Ids must be unique.
pub(crate) fn parents(what: &str, kind: &str, links: &[Link<'_>]) -> Result<Vec<Option<usize>>> {
    let index: HashMap<&str, usize> = links.iter().enumerate().map(|(i, l)| (l.id, i)).collect();
    let parent_of = links
        .iter()
        .map(|l| match l.parent {
            None => Ok(None),
            Some(p) => index.get(p).copied().map(Some).ok_or_else(|| CxError::UnknownId {
                what: what.into(),
                kind: kind.into(),
                id: p.into(),
                at: l.at.clone(),
            }),
        })
        .collect::<Result<Vec<_>>>()?;
    // Three-colour walk: 0 unvisited, 1 on the current path, 2 known to reach a root.
    let mut state = vec![0u8; links.len()];
    for start in 0..links.len() {
        let mut path: Vec<usize> = Vec::new();
        let mut node = Some(start);
        while let Some(i) = node {
            match state[i] {
                2 => break,
                1 => {
                    let from = path.iter().position(|&j| j == i).expect("a node on the path");
                    let mut ids: Vec<&str> = path[from..].iter().map(|&j| links[j].id).collect();
                    ids.push(links[i].id);
                    return Err(CxError::Cycle {
                        what: what.into(),
                        path: ids.join(" → "),
                    });
                }
                _ => {
                    state[i] = 1;
                    path.push(i);
                    node = parent_of[i];
                }
            }
        }
        for j in path {
            state[j] = 2;
        }
    }
    Ok(parent_of)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links<'a>(pairs: &[(&'a str, Option<&'a str>)]) -> Vec<Link<'a>> {
        pairs
            .iter()
            .enumerate()
            .map(|(i, &(id, parent))| Link {
                id,
                parent,
                at: format!("items[{i}].parent"),
            })
            .collect()
    }

    #[test]
    fn a_tree_gives_parent_indices() {
        let l = links(&[
            ("kgi", None),
            ("kpi1", Some("kgi")),
            ("kpi2", Some("kgi")),
            ("task", Some("kpi1")),
        ]);
        assert_eq!(parents("t", "goal", &l).unwrap(), vec![None, Some(0), Some(0), Some(1)]);
    }

    #[test]
    fn an_unknown_parent_is_named_with_its_place() {
        let l = links(&[("a", None), ("b", Some("nope"))]);
        match parents("goal tree", "goal", &l).unwrap_err() {
            CxError::UnknownId { id, at, .. } => assert_eq!((id.as_str(), at.as_str()), ("nope", "items[1].parent")),
            e => panic!("{e}"),
        }
    }

    #[test]
    fn a_cycle_is_reported_as_a_path() {
        let l = links(&[
            ("root", None),
            ("a", Some("c")),
            ("b", Some("a")),
            ("c", Some("b")),
            ("d", Some("a")),
        ]);
        let e = parents("goal tree", "goal", &l).unwrap_err();
        assert_eq!(
            e,
            CxError::Cycle {
                what: "goal tree".into(),
                path: "a → c → b → a".into()
            }
        );
        let own = links(&[("x", Some("x"))]);
        assert!(matches!(parents("t", "goal", &own), Err(CxError::Cycle { path, .. }) if path == "x → x"));
    }
}
