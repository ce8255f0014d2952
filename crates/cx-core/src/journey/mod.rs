//! Customer journeys. So far: the event-log funnel ([`funnel`]), which counts how far accounts get through an
//! ordered list of events within a conversion window, with drop-offs told apart from accounts still in progress.

mod funnel;

pub use funnel::{AccountKey, Funnel, FunnelMode, FunnelSpec, FunnelStep, MAX_STEPS, funnel};
