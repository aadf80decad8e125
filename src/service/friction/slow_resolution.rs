//! SLOW_RESOLUTION (SUPPORT): decided tickets opened in the window are
//! exposed (resolved within target by T, or the target deadline at or
//! before T); one is affected when not resolved within its SLA target.
//! Delay: (resolved_at or T) - opened_at. Subject: the team.

use super::Item;
use super::span::Span;
use super::support_tickets::TicketRow;

pub fn items<'a>(rows: &'a [TicketRow], span: Span<'a>) -> impl Iterator<Item = Item> + 'a {
    rows.iter().filter_map(move |row| {
        let w = span.window(row.window);
        let resolved = row.resolved_at.filter(|at| *at <= w.as_of);
        let deadline = row.opened_at + row.sla_ms;
        let met = resolved.is_some_and(|at| at <= deadline);
        if !met && deadline > w.as_of {
            return None; // not decided yet
        }
        Some(Item {
            subject: row.team.clone(),
            subject_key: row.team.clone(),
            customer_id: row.customer_id,
            affected: !met,
            delay_ms: (!met).then(|| resolved.unwrap_or(w.as_of) - row.opened_at),
            department: None,
            reason: None,
            window: row.window,
        })
    })
}
