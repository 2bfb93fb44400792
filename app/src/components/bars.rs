//! An inline-SVG bar chart (no chart library) with its data as a table for screen readers:
//! one bar per labelled value, each with a `<title>`, the scale's top in the corner, colours
//! from the theme's custom properties so it reads in both themes.

use leptos::prelude::*;

const W: f64 = 600.0;
const H: f64 = 120.0;
const PAD: f64 = 4.0;

/// The bars' rectangles: (x, y, width, height) in the viewBox for `values` scaled to `max`.
pub fn rects(values: &[f64], max: f64) -> Vec<(f64, f64, f64, f64)> {
    let n = values.len().max(1) as f64;
    let slot = (W - 2.0 * PAD) / n;
    let width = (slot * 0.8).max(1.0);
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let h = (H - 2.0 * PAD) * (v / max).clamp(0.0, 1.0);
            (
                PAD + slot * i as f64 + (slot - width) / 2.0,
                H - PAD - h,
                width,
                h,
            )
        })
        .collect()
}

/// The chart: `bars` are (label, value, value as text). `caption` names it (the SVG's
/// accessible name and the table's caption); `column` heads the table's value column.
#[component]
pub fn BarChart(
    bars: Vec<(String, f64, String)>,
    caption: String,
    column: &'static str,
) -> impl IntoView {
    let max = bars.iter().fold(0.0f64, |m, b| m.max(b.1));
    let top = if max > 0.0 { max } else { 1.0 };
    let values: Vec<f64> = bars.iter().map(|b| b.1).collect();
    let shapes = rects(&values, top);
    let table_caption = caption.clone();
    let rows = bars.clone();
    view! {
        <figure class="bars">
            <svg class="bars__svg" viewBox=format!("0 0 {W} {H}") role="img" aria-label=caption.clone() preserveAspectRatio="none">
                <title>{caption.clone()}</title>
                <line class="chart__axis" x1=PAD y1={H - PAD} x2={W - PAD} y2={H - PAD}/>
                {bars.into_iter().zip(shapes).map(|((label, _, text), (x, y, w, h))| view! {
                    <rect class="bars__bar" x=format!("{x:.1}") y=format!("{y:.1}") width=format!("{w:.1}") height=format!("{h:.1}")>
                        <title>{format!("{label}: {text}")}</title>
                    </rect>
                }).collect_view()}
                <text class="chart__top" x={W - PAD} y="12" text-anchor="end">{format!("{max:.0}")}</text>
            </svg>
            <details class="bars__table">
                <summary>"Show as a table"</summary>
                <table class="table table--compact">
                    <caption class="visually-hidden">{table_caption}</caption>
                    <thead><tr><th scope="col">""</th><th scope="col" class="num">{column}</th></tr></thead>
                    <tbody>
                        {rows.into_iter().map(|(label, _, text)| view! { <tr><th scope="row">{label}</th><td class="num">{text}</td></tr> }).collect_view()}
                    </tbody>
                </table>
            </details>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_top_and_sit_on_the_axis() {
        let r = rects(&[0.0, 5.0, 10.0], 10.0);
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].3, 0.0);
        assert!((r[2].3 - (H - 2.0 * PAD)).abs() < 1e-9);
        assert!((r[1].1 + r[1].3 - (H - PAD)).abs() < 1e-9);
    }
}
