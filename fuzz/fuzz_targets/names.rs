//! The name parsers of options (period, p-value adjustment, test, interval, missing policy, direction, scoring,
//! comparison, funnel mode, Kano table and rule, metric presets): the first byte is the fiscal start month and
//! the Kano gap; a parsed period buckets a few dates.
#![no_main]
use cx_core::journey::FunnelMode;
use cx_core::period::Period;
use cx_core::survey::{
    CompareMethod, Direction, IntervalMethod, MetricSpec, MissingPolicy, OneSampleTest, PAdjust, Scoring,
};
use cx_core::two_factor::{CategoryRule, EvaluationTable};
use cx_fuzz::*;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&first, name)) = data.split_first() else {
        return;
    };
    let Some(name) = text(name) else { return };
    let _ = (
        PAdjust::parse(name),
        OneSampleTest::parse(name),
        IntervalMethod::parse(name),
    );
    let _ = (MissingPolicy::parse(name), Direction::parse(name), Scoring::parse(name));
    let _ = (
        CompareMethod::parse(name),
        FunnelMode::parse(name),
        EvaluationTable::parse(name),
    );
    let _ = (
        CategoryRule::parse(name, f64::from(first) / 100.0),
        MetricSpec::from_preset(name),
    );
    if let Ok(p) = Period::parse(name, u32::from(first)) {
        for d in [-100_000, -1, 0, 59, 365, 3_000_000] {
            let date = day(d);
            let key = p.key(date);
            let (start, end) = (p.start(key), p.end(key));
            assert!(start <= date && date <= end, "{date} outside its period {start}..{end}");
            p.label(key);
        }
    }
});
