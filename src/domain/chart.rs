//! Chart geometry for the server-rendered SVG charts: a readable scale for the y axis and
//! where each bar, segment and point goes in a fixed viewBox. The templates only draw what
//! this computes; the SVG scales to its container (`width: 100%`), so one geometry serves a
//! desktop and a 390 px phone.

/// The viewBox: wide enough for 53 weekly bars, tall enough to read on a phone.
pub const WIDTH: f64 = 640.0;
pub const HEIGHT: f64 = 240.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 34.0;
/// At most this many x-axis labels, so they never overlap.
const MAX_X_LABELS: usize = 6;

/// The y axis: its top value (a "nice" number at or above the largest value) and the
/// values marked on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scale {
    pub max: i64,
    pub ticks: Vec<i64>,
}

/// The smallest of 1, 2, 2.5, 4, 5, 8 × 10^k at or above `largest` that divides into four
/// whole steps (at least 4), with ticks at the quarters.
pub fn scale(largest: i64) -> Scale {
    let mut magnitude = 1_i64;
    let max = loop {
        let found = [10, 20, 25, 40, 50, 80]
            .into_iter()
            .filter(|tenths| tenths * magnitude % 10 == 0)
            .map(|tenths| tenths * magnitude / 10)
            .find(|&c| c >= largest.max(1) && c % 4 == 0);
        if let Some(max) = found {
            break max;
        }
        magnitude *= 10;
    };
    Scale {
        max,
        ticks: (0..=4).map(|i| max * i / 4).collect(),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    pub y: f64,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct XLabel {
    pub x: f64,
    pub label: String,
}

/// One part of a stacked bar; `title` is its tooltip ("Won, 7 Dec 2026: 12").
#[derive(Debug, Clone, PartialEq)]
pub struct Piece {
    pub y: f64,
    pub height: f64,
    pub colour: &'static str,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub x: f64,
    pub width: f64,
    pub pieces: Vec<Piece>,
}

/// The frame every chart shares: its size, the plot area's edges and the y-axis ticks.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub right: f64,
    pub bottom: f64,
    pub ticks: Vec<Tick>,
    pub x_labels: Vec<XLabel>,
}

impl Frame {
    fn new(scale: &Scale, labels: &[String], x_of: impl Fn(usize) -> f64) -> Frame {
        let every = labels.len().div_ceil(MAX_X_LABELS).max(1);
        Frame {
            width: WIDTH,
            height: HEIGHT,
            left: LEFT,
            right: WIDTH - RIGHT,
            bottom: HEIGHT - BOTTOM,
            ticks: scale
                .ticks
                .iter()
                .map(|&v| Tick {
                    y: y_of(v, scale.max),
                    label: compact(v),
                })
                .collect(),
            x_labels: labels
                .iter()
                .enumerate()
                .filter(|(i, _)| i % every == 0)
                .map(|(i, l)| XLabel {
                    x: x_of(i),
                    label: l.clone(),
                })
                .collect(),
        }
    }
}

/// An axis label that fits a phone: "750", "1.5k", "20k", "2.5M". Axis labels only; the
/// table under each chart has the exact numbers.
pub fn compact(v: i64) -> String {
    let short = |n: i64, unit: i64, suffix: &str| {
        let tenths = n * 10 / unit;
        if tenths % 10 == 0 {
            format!("{}{suffix}", tenths / 10)
        } else {
            format!("{}.{}{suffix}", tenths / 10, tenths % 10)
        }
    };
    match v.abs() {
        0..1_000 => v.to_string(),
        1_000..1_000_000 => short(v, 1_000, "k"),
        _ => short(v, 1_000_000, "M"),
    }
}

fn y_of(value: i64, max: i64) -> f64 {
    let plot = HEIGHT - BOTTOM - TOP;
    HEIGHT - BOTTOM - plot * value as f64 / max.max(1) as f64
}

fn slot(n: usize) -> f64 {
    (WIDTH - RIGHT - LEFT) / n.max(1) as f64
}

/// A stacked bar chart: one column per label, each a list of (value, colour, tooltip)
/// stacked from the bottom in the order given.
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    pub frame: Frame,
    pub bars: Vec<Bar>,
}

/// One bar: its x-axis label and its pieces, (value, colour, tooltip) from the bottom.
pub type Column = (String, Vec<(i64, &'static str, String)>);

pub fn stacked_bars(columns: &[Column]) -> BarChart {
    let largest = columns
        .iter()
        .map(|(_, parts)| parts.iter().map(|p| p.0).sum::<i64>())
        .max()
        .unwrap_or(0);
    let scale = scale(largest);
    let step = slot(columns.len());
    let width = (step * 0.7).max(1.0);
    let x_of = |i: usize| LEFT + step * i as f64 + step / 2.0;
    let labels: Vec<String> = columns.iter().map(|(l, _)| l.clone()).collect();
    let bars = columns
        .iter()
        .enumerate()
        .map(|(i, (_, parts))| {
            let mut below = 0;
            let pieces = parts
                .iter()
                .filter(|p| p.0 > 0)
                .map(|(value, colour, title)| {
                    let top = y_of(below + value, scale.max);
                    let bottom = y_of(below, scale.max);
                    below += value;
                    Piece {
                        y: top,
                        height: bottom - top,
                        colour,
                        title: title.clone(),
                    }
                })
                .collect();
            Bar {
                x: x_of(i) - width / 2.0,
                width,
                pieces,
            }
        })
        .collect();
    BarChart {
        frame: Frame::new(&scale, &labels, x_of),
        bars,
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
    pub title: String,
}

/// A line chart of one series: the polyline's points and a dot per value (with its
/// tooltip), so a single week is still visible.
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    pub frame: Frame,
    pub points: Vec<Point>,
    pub polyline: String,
    pub colour: &'static str,
}

pub fn line(columns: &[(String, i64, String)], colour: &'static str) -> LineChart {
    let largest = columns.iter().map(|c| c.1).max().unwrap_or(0);
    let scale = scale(largest);
    let step = slot(columns.len());
    let x_of = |i: usize| LEFT + step * i as f64 + step / 2.0;
    let labels: Vec<String> = columns.iter().map(|(l, _, _)| l.clone()).collect();
    let points: Vec<Point> = columns
        .iter()
        .enumerate()
        .map(|(i, (_, v, title))| Point {
            x: x_of(i),
            y: y_of(*v, scale.max),
            title: title.clone(),
        })
        .collect();
    let polyline = points
        .iter()
        .map(|p| format!("{:.1},{:.1}", p.x, p.y))
        .collect::<Vec<_>>()
        .join(" ");
    LineChart {
        frame: Frame::new(&scale, &labels, x_of),
        points,
        polyline,
        colour,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_is_a_round_number_at_or_above_the_largest_value() {
        assert_eq!(scale(0).max, 4);
        assert_eq!(scale(3).max, 4);
        assert_eq!(scale(5).max, 8);
        assert_eq!(scale(9).max, 20);
        assert_eq!(scale(20).max, 20);
        assert_eq!(scale(21).max, 40);
        assert_eq!(scale(99).max, 100);
        assert_eq!(scale(101).max, 200);
        assert_eq!(scale(230).max, 400);
        assert_eq!(scale(2_400).max, 2_500);
        assert_eq!(scale(2_501).max, 4_000);
        assert_eq!(scale(20).ticks, vec![0, 5, 10, 15, 20]);
        for n in [1, 7, 13, 77, 1234, 99_999, 1_000_001] {
            let s = scale(n);
            assert!(s.max >= n && s.max % 4 == 0, "{n}: {s:?}");
        }
    }

    #[test]
    fn axis_labels_are_short() {
        assert_eq!(compact(0), "0");
        assert_eq!(compact(750), "750");
        assert_eq!(compact(1_500), "1.5k");
        assert_eq!(compact(2_000), "2k");
        assert_eq!(compact(25_000), "25k");
        assert_eq!(compact(2_500_000), "2.5M");
    }

    #[test]
    fn stacked_pieces_sit_on_each_other_from_the_bottom() {
        let chart = stacked_bars(&[
            (
                "a".into(),
                vec![(10, "#000", "x".into()), (10, "#111", "y".into())],
            ),
            (
                "b".into(),
                vec![(0, "#000", "x".into()), (5, "#111", "y".into())],
            ),
        ]);
        let bottom = chart.frame.bottom;
        let a = &chart.bars[0].pieces;
        assert_eq!(a.len(), 2);
        assert!((a[0].y + a[0].height - bottom).abs() < 1e-9);
        assert!((a[1].y + a[1].height - a[0].y).abs() < 1e-9);
        // The tallest bar reaches the top of the scale (20 of 20).
        assert!((a[1].y - 12.0).abs() < 1e-9);
        // Zero values draw nothing.
        assert_eq!(chart.bars[1].pieces.len(), 1);
    }

    #[test]
    fn x_labels_are_thinned_to_six() {
        let columns: Vec<(String, i64, String)> =
            (0..53).map(|i| (i.to_string(), i, String::new())).collect();
        let chart = line(&columns, "#000");
        assert!(chart.frame.x_labels.len() <= 6);
        assert_eq!(chart.points.len(), 53);
    }
}
