// Outreach: whom to contact today and why (create a task, mark it
// contacted), and whether reaching out worked.
import { api, dateTime, el, format, kindLabel, table } from './api.js';

const QUEUE = `query ConsoleQueue {
  outreachQueue(first: 25) { edges { node { priority severity
    customer { id displayName annualValue } reasons { kind subject severity since } } } }
  outreachTasks(first: 25, status: OPEN) { edges { node { id status frictionKind subject note owner createdAt
    customer { id displayName } } } } }`;
const EFFECT = `query ConsoleOutreachEffect($w: WindowInput!) {
  outreachEffectiveness(window: $w) { flaggedCustomers contactedCustomers contactedTicketRate
    notContactedCustomers notContactedTicketRate preventedContactRate } }`;
const CREATE = `mutation ConsoleCreateOutreach($input: CreateOutreachInput!) {
  createOutreach(input: $input) { id status } }`;
const UPDATE = `mutation ConsoleUpdateOutreach($input: UpdateOutreachInput!) {
  updateOutreach(input: $input) { id status } }`;

export default {
  id: 'outreach',
  title: 'Outreach',
  needs: 'people',
  usesWindow: true,
  async render(ctx) {
    const data = await api(QUEUE);
    const rerender = () => ctx.refresh();
    const queueRows = data.outreachQueue.edges.map(({ node: e }) => {
      const top = e.reasons[0];
      return [
        el('a', { href: `#/customers/${encodeURIComponent(e.customer.id)}` }, e.customer.displayName),
        format(e.customer.annualValue, 'money'),
        e.reasons.map((r) => `${kindLabel(r.kind)}: ${r.subject} (since ${r.since.slice(0, 10)})`).join('; '),
        format(e.priority, 'money'),
        el('button', { type: 'button', class: 'small', dataset: { create: e.customer.id }, onclick: ctx.guard(async () => {
          await api(CREATE, { input: { customerId: e.customer.id, frictionKind: top.kind, subject: top.subject } });
          rerender();
        }) }, 'Create task'),
      ];
    });
    const taskRows = data.outreachTasks.edges.map(({ node: t }) => [
      t.customer ? t.customer.displayName : '—', kindLabel(t.frictionKind), t.subject || '', dateTime(t.createdAt),
      el('button', { type: 'button', class: 'small', dataset: { contacted: t.id }, onclick: ctx.guard(async () => {
        await api(UPDATE, { input: { id: t.id, status: 'CONTACTED' } });
        rerender();
      }) }, 'Mark contacted'),
    ]);
    ctx.root.append(
      table('Customers to reach out to now, most revenue at stake first, with the signals that flag them.',
        [['Customer', ''], ['Annual value', 'num'], ['Why', ''], ['Priority', 'num'], ['', '']], queueRows, { id: 'queue' }),
      el('h2', {}, 'Open tasks'),
      table('Tasks created and not yet contacted.', [['Customer', ''], ['Friction', ''], ['Subject', ''], ['Created', ''], ['', '']],
        taskRows, { id: 'tasks' }),
    );
    if (ctx.viewer.analytics) {
      const e = (await api(EFFECT, { w: ctx.window.w })).outreachEffectiveness;
      ctx.root.append(el('h2', {}, 'Did reaching out work?'),
        table('Flagged customers of the window, decided ones only (a ticket, or 14 days without one), contacted or not.',
          [['', ''], ['Customers', 'num'], ['Opened a ticket after', 'num']],
          [['Contacted', format(e.contactedCustomers, 'count'), format(e.contactedTicketRate, 'fraction')],
            ['Not contacted', format(e.notContactedCustomers, 'count'), format(e.notContactedTicketRate, 'fraction')],
            ['Contacts prevented', '', format(e.preventedContactRate, 'fraction')]], { id: 'effect' }));
    }
  },
};
