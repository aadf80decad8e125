//! The windows one item query reads at once: a `frictionPoints` window, or
//! the buckets of a trend. The query reads the rows of the whole span once;
//! each row belongs to the window its time falls in, and is judged at that
//! window's as-of time. Where a statement needs an as-of time to find "the
//! first ticket (or touchpoint) after t0 by T", it uses the latest one, and
//! the row's window drops a find after its own T: the first of a larger
//! set, when it is at or before T, is the first of the smaller one too.

use crate::service::window::Window;

/// Non-empty, oldest first, each window starting where the one before ends.
#[derive(Clone, Copy, Debug)]
pub struct Span<'a>(&'a [Window]);

impl<'a> Span<'a> {
    /// `windows` must be sorted and contiguous (buckets are; so is a
    /// single window).
    pub fn new(windows: &'a [Window]) -> Span<'a> {
        Span(windows)
    }

    pub fn from(&self) -> i64 {
        self.0.first().map_or(0, |w| w.from)
    }

    pub fn to(&self) -> i64 {
        self.0.last().map_or(0, |w| w.to)
    }

    /// The latest as-of time of the windows.
    pub fn as_of(&self) -> i64 {
        self.0.iter().map(|w| w.as_of).max().unwrap_or(0)
    }

    pub fn windows(&self) -> &'a [Window] {
        self.0
    }

    /// The window `at` falls in, with its index.
    pub fn find(&self, at: i64) -> Option<(usize, Window)> {
        let i = self.0.partition_point(|w| w.to <= at);
        let w = *self.0.get(i)?;
        (w.from <= at).then_some((i, w))
    }

    /// Window `i` (the last one past the end; never reached by items this
    /// span made).
    pub fn window(&self, i: usize) -> Window {
        self.0.get(i).or(self.0.last()).copied().unwrap_or(Window {
            from: 0,
            to: 0,
            as_of: 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_falls_in_the_window_that_holds_it() {
        let windows = [
            Window {
                from: 0,
                to: 10,
                as_of: 10,
            },
            Window {
                from: 10,
                to: 20,
                as_of: 15,
            },
        ];
        let span = Span::new(&windows);
        assert_eq!(span.find(-1), None);
        assert_eq!(span.find(0).map(|f| f.0), Some(0));
        assert_eq!(span.find(9).map(|f| f.0), Some(0));
        assert_eq!(span.find(10).map(|f| f.0), Some(1));
        assert_eq!(span.find(20), None);
        assert_eq!((span.from(), span.to(), span.as_of()), (0, 20, 15));
    }
}
