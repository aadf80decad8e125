// Insights: what the frontline notices, most votes first; add one (about
// a kind of friction and its subject, or about nothing in particular) or
// vote for one.
import { FRICTION_KINDS, api, dateTime, el, kindLabel, table } from './api.js';

const INSIGHTS = `query ConsoleInsights($kind: FrictionKind) {
  insights(first: 50, frictionKind: $kind) { totalCount edges { node { id text votes author createdAt frictionKind subject
    customer { id displayName } } } } }`;
const ADD = `mutation ConsoleAddAnyInsight($kind: FrictionKind, $subject: String, $text: String!) {
  addInsight(frictionKind: $kind, subject: $subject, text: $text) { id } }`;
const VOTE = 'mutation ConsoleVote($id: ID!) { voteInsight(id: $id) { id votes } }';

export default {
  id: 'insights',
  title: 'Insights',
  needs: 'people',
  usesWindow: false,
  async render(ctx) {
    const kind = ctx.params.kind || null;
    const data = await api(INSIGHTS, { kind });
    const filter = el('select', { id: 'insight-kind' },
      el('option', { value: '' }, 'Every kind'),
      Object.entries(FRICTION_KINDS).map(([k, label]) => el('option', { value: k }, label)));
    filter.value = kind || '';
    filter.addEventListener('change', () => ctx.go(filter.value ? `insights?kind=${filter.value}` : 'insights'));
    const newKind = el('select', { id: 'new-kind' },
      el('option', { value: '' }, 'No particular friction'),
      Object.entries(FRICTION_KINDS).map(([k, label]) => el('option', { value: k }, label)));
    const subject = el('input', { id: 'new-subject', type: 'text', maxlength: 200, placeholder: 'login_issue, a campaign id ...' });
    const text = el('input', { id: 'new-text', type: 'text', maxlength: 2000, required: true });
    ctx.root.append(
      el('div', { class: 'filters' }, el('label', { for: 'insight-kind' }, 'Kind'), filter),
      table(`${data.insights.totalCount} insights, most votes first.`,
        [['Votes', 'num'], ['Insight', ''], ['About', ''], ['Customer', ''], ['By', ''], ['When', ''], ['', '']],
        data.insights.edges.map(({ node: i }) => [
          String(i.votes), i.text, i.frictionKind ? `${kindLabel(i.frictionKind)}: ${i.subject || ''}` : '',
          i.customer ? el('a', { href: `#/customers/${encodeURIComponent(i.customer.id)}` }, i.customer.displayName) : '',
          i.author, dateTime(i.createdAt),
          el('button', { type: 'button', class: 'small', dataset: { vote: i.id }, 'aria-label': `Vote for: ${i.text}`,
            onclick: ctx.guard(async () => {
              await api(VOTE, { id: i.id });
              ctx.refresh();
            }) }, 'Vote'),
        ]), { id: 'insight-list' }),
      el('h2', {}, 'Add an insight'),
      el('form', { class: 'inline', id: 'new-insight', onsubmit: ctx.guard(async (event) => {
        event.preventDefault();
        await api(ADD, { kind: newKind.value || null, subject: subject.value || null, text: text.value });
        ctx.refresh();
      }) },
      el('label', { for: 'new-text' }, 'What you noticed'), text,
      el('label', { for: 'new-kind' }, 'About'), newKind,
      el('label', { for: 'new-subject' }, 'Subject'), subject,
      el('button', { type: 'submit' }, 'Add')),
    );
  },
};
