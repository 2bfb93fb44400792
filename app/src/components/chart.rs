//! A small inline-SVG trend chart (no chart library): one or two series of daily values as
//! lines, gaps where a day has no value, with the scale's top written in the corner.

use leptos::prelude::*;

const W: f64 = 300.0;
const H: f64 = 72.0;
const PAD: f64 = 4.0;

/// One series: a CSS class for its stroke and a value per day (`None`: no data that day).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub class: &'static str,
    pub values: Vec<Option<f64>>,
}

/// The polylines of a series, split at gaps, as SVG `points` strings.
pub fn polylines(values: &[Option<f64>], max: f64) -> Vec<String> {
    let n = values.len().max(2) as f64 - 1.0;
    let mut lines = vec![];
    let mut current = String::new();
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => {
                let x = PAD + (W - 2.0 * PAD) * i as f64 / n;
                let y = H - PAD - (H - 2.0 * PAD) * (v / max).clamp(0.0, 1.0);
                if !current.is_empty() {
                    current.push(' ');
                }
                current.push_str(&format!("{x:.1},{y:.1}"));
            }
            None if !current.is_empty() => lines.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// The chart. `label` describes it for screen readers; `top` formats the scale's maximum.
#[component]
pub fn TrendChart(
    series: Vec<Series>,
    label: String,
    #[prop(into)] top: Callback<f64, String>,
) -> impl IntoView {
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .fold(0.0f64, |m, v| m.max(*v));
    let max = if max > 0.0 { max * 1.1 } else { 1.0 };
    let aria = label.clone();
    view! {
        <svg class="chart" viewBox=format!("0 0 {W} {H}") role="img" aria-label=aria>
            <title>{label}</title>
            <line class="chart__axis" x1=PAD y1={H - PAD} x2={W - PAD} y2={H - PAD}/>
            {series.into_iter().flat_map(|s| {
                let class = format!("chart__line {}", s.class);
                polylines(&s.values, max).into_iter().map(move |points| {
                    let single = !points.contains(' ');
                    view! {
                        <polyline class=class.clone() points=points.clone()/>
                        {single.then(|| {
                            let (x, y) = points.split_once(',').unwrap_or(("0", "0"));
                            view! { <circle class=class.clone() cx=x.to_owned() cy=y.to_owned() r="2"/> }
                        })}
                    }
                }).collect::<Vec<_>>()
            }).collect_view()}
            <text class="chart__top" x={W - PAD} y="10" text-anchor="end">{top.run(max)}</text>
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_split_lines_and_values_scale_to_the_box() {
        let lines = polylines(&[Some(0.0), Some(10.0), None, Some(5.0)], 10.0);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0], "4.0,68.0 101.3,4.0");
        assert_eq!(lines[1], "296.0,36.0");
        assert!(polylines(&[None, None], 1.0).is_empty());
    }
}
