//! Customer journeys: the success roadmap ([`Roadmap`]: stages with exit criteria, standard tasks, guided actions
//! and touchpoints), its evaluation per account ([`Roadmap::evaluate`]) and over a portfolio ([`Portfolio`]),
//! conditions over account metrics, events and tasks ([`Condition`], typed or in a readable grammar), health-score
//! candidates from a roadmap, and the event-log funnel ([`funnel`]), which counts how far accounts get through an
//! ordered list of events within a conversion window, with drop-offs told apart from accounts still in progress.

mod candidates;
mod condition;
mod evaluate;
mod facts;
mod funnel;
mod funnel_state;
mod portfolio;
mod roadmap;
mod touchpoints;

pub use candidates::Candidate;
pub use condition::{Condition, MAX_CONDITION_DEPTH, Op};
pub use evaluate::{
    AccountEvaluation, Firing, JourneyStatus, MAX_EVALUATION_DAYS, MAX_FIRING_VALUES, OwnerTasks, StageVisit,
    TaskState, TaskStatus,
};
pub use facts::{AccountFacts, FactsBuilder, FactsDocument, LeafValue, Truth};
pub use funnel::{AccountKey, Funnel, FunnelMode, FunnelSpec, FunnelStep, MAX_STEPS, funnel, funnel_threads};
pub use funnel_state::FunnelState;
pub use portfolio::{ActionRate, COMPLETED, Portfolio, StageRow, Stalled, TaskRate};
pub use roadmap::{
    ActionKind, Cooldown, Due, Factor, GuidedAction, Owner, ROADMAP_VERSION, Roadmap, Stage, Task, Touchpoint, Trigger,
    Window,
};
pub use touchpoints::TouchpointScore;
