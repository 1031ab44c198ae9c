//! The report's charts as PNG images, drawn with `plotters` on its bitmap backend (pure Rust:
//! mail clients run no JavaScript and many block remote images, so the charts travel inline).
//! Text is drawn with an embedded DejaVu Sans (its licence is beside it in `assets/`), so no
//! system fonts are needed on Lambda.

use std::sync::OnceLock;

use plotters::prelude::*;
use plotters::style::FontStyle;

/// Width and height in pixels (a mail column is about 600 wide).
const WIDTH: u32 = 640;
const HEIGHT: u32 = 280;
const FONT: &str = "sans-serif";
static FONT_BYTES: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

#[derive(Debug, thiserror::Error)]
#[error("a chart could not be drawn: {0}")]
pub struct ChartError(String);

fn fonts() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES).is_ok());
    if ok {
        Ok(())
    } else {
        Err(ChartError("the embedded font does not load".into()))
    }
}

/// One line or one set of bars: a value per day (`None` where the day has none).
#[derive(Debug, Clone)]
pub struct Series {
    pub label: String,
    pub color: RGBColor,
    pub values: Vec<Option<f64>>,
}

pub const ACCENT_BLUE: RGBColor = RGBColor(37, 99, 235);
pub const ACCENT_GREEN: RGBColor = RGBColor(22, 163, 74);
pub const ACCENT_ORANGE: RGBColor = RGBColor(234, 88, 12);
pub const ACCENT_PURPLE: RGBColor = RGBColor(147, 51, 234);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bars,
    Lines,
}

/// A chart of `series` over the days named by `labels`, as PNG. `y_max` fixes the top of the
/// scale (100 for percentages); otherwise it follows the largest value.
pub fn chart(
    kind: Kind,
    title: &str,
    labels: &[String],
    series: &[Series],
    y_max: Option<f64>,
) -> Result<Vec<u8>, ChartError> {
    fonts()?;
    let mut pixels = vec![255u8; (WIDTH * HEIGHT * 3) as usize];
    draw(kind, title, labels, series, y_max, &mut pixels).map_err(|e| ChartError(e.to_string()))?;
    encode(&pixels)
}

fn draw(
    kind: Kind,
    title: &str,
    labels: &[String],
    series: &[Series],
    y_max: Option<f64>,
    pixels: &mut [u8],
) -> Result<(), Box<dyn std::error::Error>> {
    let root = BitMapBackend::with_buffer(pixels, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let n = labels.len().max(1);
    let largest = series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .fold(0.0_f64, |a, b| a.max(*b));
    let top = y_max.unwrap_or(if largest <= 0.0 { 1.0 } else { largest * 1.15 });
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FONT, 18))
        .margin(12)
        .x_label_area_size(28)
        .y_label_area_size(44)
        .build_cartesian_2d(-0.5_f64..(n as f64 - 0.5), 0_f64..top)?;
    // A label under every day of a week; about eight along a month.
    let step = n.div_ceil(8).max(1);
    let label_of = |x: &f64| {
        let i = x.round();
        if (x - i).abs() > 0.01 || i < 0.0 || i as usize >= n || !(i as usize).is_multiple_of(step) {
            return String::new();
        }
        labels.get(i as usize).cloned().unwrap_or_default()
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n + 1)
        .x_label_formatter(&label_of)
        .y_labels(6)
        .label_style((FONT, 12))
        .max_light_lines(1)
        .light_line_style(RGBColor(243, 244, 246))
        .draw()?;
    let width = 0.8 / series.len().max(1) as f64;
    for (k, s) in series.iter().enumerate() {
        let color = s.color;
        let points: Vec<(f64, f64)> = s
            .values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (i as f64, v)))
            .collect();
        let drawn = match kind {
            Kind::Bars => chart.draw_series(points.iter().map(|(x, v)| {
                let left = x - 0.4 + k as f64 * width;
                Rectangle::new([(left, 0.0), (left + width * 0.9, *v)], color.filled())
            }))?,
            Kind::Lines => {
                chart.draw_series(points.iter().map(|p| Circle::new(*p, 3, color.filled())))?;
                chart.draw_series(LineSeries::new(points.iter().copied(), color.stroke_width(2)))?
            }
        };
        drawn
            .label(s.label.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.2))
        .label_font((FONT, 12))
        .draw()?;
    root.present()?;
    Ok(())
}

fn encode(pixels: &[u8]) -> Result<Vec<u8>, ChartError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Best);
    let mut writer = encoder.write_header().map_err(|e| ChartError(e.to_string()))?;
    writer.write_image_data(pixels).map_err(|e| ChartError(e.to_string()))?;
    writer.finish().map_err(|e| ChartError(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(n: usize) -> Vec<String> {
        (1..=n).map(|d| format!("{d}.12.")).collect()
    }

    #[test]
    fn charts_are_non_empty_pngs_with_something_drawn() {
        let series = vec![
            Series {
                label: "Created".into(),
                color: ACCENT_BLUE,
                values: vec![Some(3.0), Some(5.0), None, Some(1.0), Some(0.0), Some(7.0), Some(2.0)],
            },
            Series {
                label: "Solved".into(),
                color: ACCENT_GREEN,
                values: vec![Some(1.0), Some(4.0), Some(2.0), None, Some(1.0), Some(6.0), Some(3.0)],
            },
        ];
        for kind in [Kind::Bars, Kind::Lines] {
            let png = chart(kind, "Created and solved by day", &labels(7), &series, None).unwrap();
            assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
            let decoder = png::Decoder::new(png.as_slice());
            let mut reader = decoder.read_info().unwrap();
            let mut buf = vec![0; reader.output_buffer_size()];
            let info = reader.next_frame(&mut buf).unwrap();
            assert_eq!((info.width, info.height), (WIDTH, HEIGHT));
            let coloured = buf.chunks(3).filter(|p| p[2] > 200 && p[0] < 80).count();
            assert!(coloured > 100, "{kind:?}: the blue series is drawn ({coloured} pixels)");
            let dark = buf.chunks(3).filter(|p| p.iter().all(|c| *c < 90)).count();
            assert!(dark > 100, "{kind:?}: text and axes are drawn");
        }
    }

    #[test]
    fn a_day_without_any_value_and_a_month_still_draw() {
        let empty = vec![Series {
            label: "CSAT".into(),
            color: ACCENT_PURPLE,
            values: vec![None],
        }];
        assert!(
            !chart(Kind::Lines, "Nothing", &labels(1), &empty, Some(100.0))
                .unwrap()
                .is_empty()
        );
        let month = vec![Series {
            label: "p50".into(),
            color: ACCENT_ORANGE,
            values: (0..31).map(|d| Some(f64::from(d))).collect(),
        }];
        assert!(
            !chart(Kind::Lines, "Month", &labels(31), &month, None)
                .unwrap()
                .is_empty()
        );
    }
}
