//! Analytic windows (docs/analytics.md): `[from, to)`, the as-of time
//! `T = min(to, now)`, and the previous window of equal length.

use crate::error::{AppError, AppResult};

/// A validated window in epoch milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub from: i64,
    pub to: i64,
    /// As-of time: states ("not completed", "no touch") are judged here.
    pub as_of: i64,
}

impl Window {
    /// `[from, to)` judged at `min(to, now)`; BAD_USER_INPUT unless from < to.
    pub fn new(from: i64, to: i64, now: i64) -> AppResult<Window> {
        if from >= to {
            return Err(AppError::bad_input("window", "from must be before to"));
        }
        Ok(Window {
            from,
            to,
            as_of: to.min(now),
        })
    }

    /// The window of equal length just before this one.
    pub fn previous(&self, now: i64) -> Window {
        let length = self.to - self.from;
        Window {
            from: self.from - length,
            to: self.from,
            as_of: self.from.min(now),
        }
    }
}

/// The median of `values` (mean of the two middle ones for an even count),
/// by selection rather than a full sort: handoffMatrix takes the median of
/// hundreds of thousands of gaps.
pub fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mid = values.len() / 2;
    let even = values.len().is_multiple_of(2);
    let (below, upper, _) = values.select_nth_unstable_by(mid, f64::total_cmp);
    let upper = *upper;
    if !even {
        return Some(upper);
    }
    // The lower middle one is the largest of those below the upper.
    let lower = below.iter().copied().max_by(f64::total_cmp)?;
    Some((lower + upper) / 2.0)
}

/// `part / whole`, or None when `whole` is 0.
pub fn ratio(part: i64, whole: i64) -> Option<f64> {
    (whole != 0).then(|| part as f64 / whole as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_odd_even_and_empty() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![7.0]), Some(7.0));
        assert_eq!(median(vec![5.0, 5.0, 1.0, 9.0]), Some(5.0));
        assert_eq!(median(vec![9.0, 8.0, 1.0, 2.0, 7.0, 3.0]), Some(5.0));
    }

    #[test]
    fn as_of_is_min_of_to_and_now_and_previous_has_equal_length() {
        let w = Window::new(100, 200, 150).expect("window");
        assert_eq!(w.as_of, 150);
        assert_eq!(
            w.previous(150),
            Window {
                from: 0,
                to: 100,
                as_of: 100
            }
        );
        assert!(Window::new(5, 5, 0).is_err());
    }
}
