// Customer 360: find a customer, then their journey with a lane per
// department and the record behind each event.
import { api, date, dateTime, el, format, kindLabel, table } from './api.js';

const SEARCH = `query ConsoleCustomers($search: String) {
  customers(first: 20, filter: {search: $search}) { edges { node { id displayName email segment plan annualValue } } } }`;
const CUSTOMER = `query ConsoleCustomer($id: ID!) {
  customer(id: $id) { id displayName email segment plan annualValue
    summary { stage healthScore openTickets firstTouchAt lastTouchAt activeFriction { kind subject severity since } }
    journey(first: 60) { edges { node { __typename id occurredAt department kind source externalId
      ... on DealEvent { owner stage amount outcome }
      ... on OnboardingEvent { stepName startedAt completedAt }
      ... on CampaignEvent { campaignName deliveredAt clickedAt }
      ... on SupportEvent { reason priority team channel openedAt resolvedAt }
      ... on FeedbackEvent { metric score comment }
      ... on OutreachEvent { frictionKind status note } } } } } }`;

const LANES = ['SALES', 'ONBOARDING', 'MARKETING', 'SUPPORT', 'SUCCESS', 'PRODUCT'];
const SKIP = new Set(['__typename', 'id', 'occurredAt', 'department', 'kind']);

function record(event) {
  return Object.entries(event).filter(([k, v]) => !SKIP.has(k) && v !== null && v !== undefined)
    .map(([k, v]) => `${k}: ${typeof v === 'number' ? format(v, 'plain') : v}`).join(' · ');
}

async function one(ctx, id) {
  const { customer } = await api(CUSTOMER, { id });
  if (!customer) {
    ctx.root.append(el('p', { class: 'error' }, 'No such customer in your organization.'));
    return;
  }
  const s = customer.summary;
  const lanes = el('div', { class: 'lanes', role: 'table', 'aria-label': 'Journey, newest first, one column per department', id: 'timeline' },
    el('div', { class: 'lane-row head', role: 'row' }, el('span', { role: 'columnheader' }, 'When'),
      LANES.map((l) => el('span', { role: 'columnheader' }, l))),
    customer.journey.edges.map(({ node: e }) => el('div', { class: 'lane-row', role: 'row' },
      el('span', { role: 'cell', class: 'when' }, dateTime(e.occurredAt)),
      LANES.map((l) => el('span', { role: 'cell' }, l === e.department
        ? el('details', { class: `event ${l.toLowerCase()}` }, el('summary', {}, e.kind), el('p', {}, record(e)))
        : '')))));
  ctx.root.append(
    el('h2', { id: 'customer-name' }, customer.displayName),
    el('p', { class: 'subtle' }, `${customer.email || 'no email'} · ${customer.segment || 'no segment'} · ${customer.plan || 'no plan'} · annual value ${format(customer.annualValue, 'money')}`),
    el('p', {}, `Stage ${s.stage} · health ${s.healthScore}/100 · ${s.openTickets} open tickets · first touch ${date(s.firstTouchAt)} · last touch ${date(s.lastTouchAt)}`),
    s.activeFriction.length
      ? table('Friction active now', [['Friction', ''], ['Subject', ''], ['Since', '']],
        s.activeFriction.map((f) => [kindLabel(f.kind), f.subject, date(f.since)]))
      : el('p', { class: 'subtle' }, 'No friction active now.'),
    el('h3', {}, 'Journey (newest first; open an event for its record)'),
    lanes,
  );
}

export default {
  id: 'customers',
  title: 'Customers',
  needs: 'people',
  usesWindow: false,
  async render(ctx) {
    if (ctx.params.id) return one(ctx, ctx.params.id);
    const search = el('input', { id: 'search', type: 'search', maxlength: 200, value: ctx.params.q || '', 'aria-label': 'Name, email or id' });
    const data = await api(SEARCH, { search: ctx.params.q || null });
    ctx.root.append(
      el('form', { class: 'inline', role: 'search', onsubmit: (event) => {
        event.preventDefault();
        ctx.go(`customers?q=${encodeURIComponent(search.value)}`);
      } }, el('label', { for: 'search' }, 'Find a customer'), search, el('button', { type: 'submit' }, 'Search')),
      table('Customers', [['Name', ''], ['Email', ''], ['Segment', ''], ['Annual value', 'num']],
        data.customers.edges.map(({ node: c }) => [el('a', { href: `#/customers/${encodeURIComponent(c.id)}` }, c.displayName),
          c.email || '', c.segment || '', format(c.annualValue, 'money')]), { id: 'customer-list' }),
    );
  },
};
