//! Customer journeys. So far: conditions over account metrics, events and tasks ([`Condition`], typed or in a
//! readable grammar), and the event-log funnel ([`funnel`]), which counts how far accounts get through an ordered
//! list of events within a conversion window, with drop-offs told apart from accounts still in progress.

mod condition;
mod funnel;

pub use condition::{Condition, Op};
pub use funnel::{AccountKey, Funnel, FunnelMode, FunnelSpec, FunnelStep, MAX_STEPS, funnel};
