// Handoffs: customers moving between departments as a heat map of
// transitions, with the median gap and how often a ticket followed.
import { api, el, format, table } from './api.js';

const HANDOFFS = `query ConsoleHandoffs($w: WindowInput!) {
  handoffMatrix(window: $w) { fromDepartment toDepartment transitions medianGapHours followedByTicketShare }
  frictionPoints(window: $w, kinds: [HANDOFF_DELAY], minAffected: 0, first: 25) {
    subject exposedCustomers affectedCustomers rate medianDelayHours revenueAtRisk } }`;

const DEPARTMENTS = ['SALES', 'ONBOARDING', 'MARKETING', 'SUPPORT', 'SUCCESS', 'PRODUCT'];

export default {
  id: 'handoffs',
  title: 'Handoffs',
  needs: 'analytics',
  usesWindow: true,
  async render(ctx) {
    const data = await api(HANDOFFS, { w: ctx.window.w });
    const cell = new Map(data.handoffMatrix.map((h) => [`${h.fromDepartment}>${h.toDepartment}`, h]));
    const most = Math.max(1, ...data.handoffMatrix.map((h) => h.transitions));
    // The shade only draws the API's count; the figures are written in the cell.
    const heat = el('table', { class: 'table heat', id: 'handoff-matrix' },
      el('caption', { class: 'subtle' }, 'From the row\'s department to the column\'s: transitions between a customer\'s consecutive touchpoints, the median gap, and the share followed by a ticket within 7 days. Darker: more transitions.'),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'from \\ to'), DEPARTMENTS.map((d) => el('th', { scope: 'col' }, d)))),
      el('tbody', {}, DEPARTMENTS.map((from) => el('tr', {}, el('th', { scope: 'row' }, from), DEPARTMENTS.map((to) => {
        const h = cell.get(`${from}>${to}`);
        if (!h) return el('td', { class: 'empty' }, from === to ? '' : '—');
        const level = Math.min(5, Math.ceil((h.transitions / most) * 5));
        return el('td', { class: `level${level}` },
          el('strong', {}, format(h.transitions, 'count')),
          el('div', {}, format(h.medianGapHours, 'hours')),
          el('div', {}, `ticket after: ${format(h.followedByTicketShare, 'fraction')}`));
      })))));
    ctx.root.append(
      heat,
      el('h2', {}, 'Sales to Onboarding: delay by deal owner'),
      table('Won deals with no onboarding touch within the allowance (72 h by default), per owner.',
        [['Owner', ''], ['Customers', 'num'], ['Late', 'num'], ['Rate', 'num'], ['Median delay', 'num'], ['Revenue at risk', 'num']],
        data.frictionPoints.map((p) => [p.subject, format(p.exposedCustomers, 'count'), format(p.affectedCustomers, 'count'),
          format(p.rate, 'fraction'), format(p.medianDelayHours, 'hours'), format(p.revenueAtRisk, 'money')]),
        { id: 'handoff-owners' }),
    );
  },
};
