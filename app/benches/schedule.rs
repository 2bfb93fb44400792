//! Criterion benchmarks of the schedule engine on a large schedule (5 layers, 20 participants,
//! restrictions, 50 overrides): "on call now" and a one-year final timeline.

use chrono::Duration;
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

use app::domain::schedule::{Resolver, fixture, on_call_at, timeline};

fn bench(c: &mut Criterion) {
    let schedule = fixture::large_schedule();
    let now = fixture::sample_now();
    let year_from = now - Duration::days(182);
    let year_to = year_from + Duration::days(365);
    c.bench_function("on call now (parse zone, 5 layers, 50 overrides)", |b| {
        b.iter(|| on_call_at(black_box(&schedule), black_box(now)))
    });
    let Some(resolver) = Resolver::new(&schedule) else {
        return;
    };
    c.bench_function("on call now (prepared resolver)", |b| {
        b.iter(|| resolver.on_call_at(black_box(now)))
    });
    c.bench_function("one-year final timeline", |b| {
        b.iter(|| timeline(black_box(&schedule), year_from, year_to))
    });
    let t = timeline(&schedule, year_from, year_to);
    eprintln!(
        "one-year timeline: {} segments, {} gaps",
        t.segments.len(),
        t.gaps.len()
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
