// Friction: every friction point ranked by impact, by kind; each opens to
// its trend, the customers it touches, the reasons they gave and what the
// frontline says about it (add an insight, vote for one).
import { FRICTION_KINDS, api, chart, el, format, kindLabel, table } from './api.js';

const POINTS = `query ConsoleFriction($w: WindowInput!, $kinds: [FrictionKind!]) {
  frictionPoints(window: $w, kinds: $kinds, first: 25) {
    kind subject subjectKey fromDepartment toDepartment exposedCustomers affectedCustomers
    rate baselineRate lift medianDelayHours revenueAtRisk impactScore previousRate } }`;

const DETAIL = `query ConsoleFrictionDetail($w: WindowInput!, $bucket: BucketWidth!, $kind: FrictionKind!, $subject: String!) {
  frictionTrend(window: $w, bucket: $bucket, kind: $kind, subjectKey: $subject, first: 1) {
    buckets { from partial } subjects { subject exposedCustomers affectedCustomers rate } }
  frictionPoints(window: $w, kinds: [$kind], minAffected: 0, first: 100) {
    subjectKey topReasons { reason count } examples(first: 5) { id displayName email annualValue }
    insights(first: 10) { id text votes author createdAt } } }`;

const ADD_INSIGHT = `mutation ConsoleAddInsight($kind: FrictionKind!, $subject: String!, $text: String!) {
  addInsight(frictionKind: $kind, subject: $subject, text: $text) { id } }`;

const VOTE = 'mutation ConsoleVoteInsight($id: ID!) { voteInsight(id: $id) { id votes } }';

async function detail(ctx, point, panel) {
  const data = await api(DETAIL, { w: ctx.window.w, bucket: ctx.window.bucket, kind: point.kind, subject: point.subjectKey });
  const series = data.frictionTrend.subjects[0];
  const about = data.frictionPoints.find((p) => p.subjectKey === point.subjectKey) || { topReasons: [], examples: [], insights: [] };
  const labels = data.frictionTrend.buckets.map((b) => b.from.slice(0, 10));
  const trend = series
    ? chart(ctx.charts, `Rate per ${ctx.window.bucket.toLowerCase()}: ${series.rate.map((r) => format(r, 'fraction')).join(', ')}`, {
      type: 'bar',
      data: {
        labels,
        datasets: [
          { type: 'line', label: 'Rate', data: series.rate, borderColor: '#d55e00', backgroundColor: '#d55e00', yAxisID: 'rate', tension: 0.2 },
          { label: 'Affected customers', data: series.affectedCustomers, backgroundColor: '#0072b2', yAxisID: 'count' },
          { label: 'Exposed customers', data: series.exposedCustomers, backgroundColor: '#56b4e9', yAxisID: 'count' },
        ],
      },
      options: {
        scales: {
          rate: { position: 'right', min: 0, ticks: { callback: (v) => format(v, 'fraction') } },
          count: { position: 'left', beginAtZero: true },
        },
      },
    })
    : el('p', { class: 'subtle' }, 'No trend for this subject.');
  const insightList = el('ul', { class: 'insights' }, about.insights.map((i) => el('li', { dataset: { insight: i.id } },
    el('span', { class: 'votes' }, `${i.votes} ▲`),
    el('span', {}, i.text),
    el('span', { class: 'subtle' }, ` — ${i.author}`),
    el('button', { type: 'button', class: 'small', 'aria-label': `Vote for: ${i.text}`, onclick: ctx.guard(async () => {
      await api(VOTE, { id: i.id });
      await detail(ctx, point, panel);
    }) }, 'Vote'))));
  const text = el('input', { id: 'insight-text', type: 'text', maxlength: 2000, required: true, 'aria-label': 'Your insight' });
  const form = el('form', { class: 'inline', onsubmit: ctx.guard(async (event) => {
    event.preventDefault();
    await api(ADD_INSIGHT, { kind: point.kind, subject: point.subjectKey, text: text.value });
    await detail(ctx, point, panel);
  }) }, el('label', { for: 'insight-text' }, 'Add an insight'), text, el('button', { type: 'submit' }, 'Add'));
  panel.replaceChildren(
    el('h2', { id: 'friction-detail-title' }, `${kindLabel(point.kind)}: ${point.subject}`),
    el('p', { class: 'subtle' }, `${point.fromDepartment} → ${point.toDepartment}. Rate ${format(point.rate, 'fraction')} against a baseline of ${format(point.baselineRate, 'fraction')} (lift ${format(point.lift, 'ratio')}); median delay ${format(point.medianDelayHours, 'hours')}.`),
    trend,
    el('div', { class: 'columns' },
      el('section', {}, el('h3', {}, 'Customers affected, most valuable first'),
        table('', [['Customer', ''], ['Annual value', 'num']],
          about.examples.map((c) => [el('a', { href: `#/customers/${encodeURIComponent(c.id)}` }, c.displayName), format(c.annualValue, 'money')]))),
      el('section', {}, el('h3', {}, 'Reasons they gave'),
        about.topReasons.length
          ? table('', [['Reason', ''], ['Tickets', 'num']], about.topReasons.map((r) => [r.reason, format(r.count, 'count')]))
          : el('p', { class: 'subtle' }, 'This kind records no ticket reasons.'))),
    el('h3', {}, 'What the frontline says'),
    about.insights.length ? insightList : el('p', { class: 'subtle', id: 'no-insights' }, 'No insights yet.'),
    form,
  );
  panel.hidden = false;
  document.body.dataset.loaded = 'friction-detail';
}

export default {
  id: 'friction',
  title: 'Friction',
  needs: 'analytics',
  usesWindow: true,
  async render(ctx) {
    const kind = el('select', { id: 'kind' },
      el('option', { value: '' }, 'Every kind'),
      Object.entries(FRICTION_KINDS).map(([k, label]) => el('option', { value: k }, label)));
    kind.value = ctx.params.kind || '';
    kind.addEventListener('change', () => ctx.go(kind.value ? `friction?kind=${kind.value}` : 'friction'));
    const kinds = kind.value ? [kind.value] : null;
    const data = await api(POINTS, { w: ctx.window.w, kinds });
    const panel = el('section', { id: 'friction-detail', class: 'panel', hidden: true, 'aria-labelledby': 'friction-detail-title' });
    const rows = data.frictionPoints.map((p) => [
      el('button', { type: 'button', class: 'link', onclick: ctx.guard(() => detail(ctx, p, panel)) }, kindLabel(p.kind)),
      p.subject, format(p.affectedCustomers, 'count'), format(p.rate, 'fraction'), format(p.baselineRate, 'fraction'),
      format(p.lift, 'ratio'), format(p.previousRate, 'fraction'), format(p.revenueAtRisk, 'money'), format(p.impactScore, 'money'),
    ]);
    ctx.root.append(
      el('div', { class: 'filters' }, el('label', { for: 'kind' }, 'Kind'), kind),
      table('Ranked by impact: revenue at risk above what the baseline would explain. Open one to see its trend, customers, reasons and insights.',
        [['Friction', ''], ['Subject', ''], ['Affected', 'num'], ['Rate', 'num'], ['Baseline', 'num'], ['Lift', 'num'],
          ['Previous rate', 'num'], ['Revenue at risk', 'num'], ['Impact', 'num']], rows, { id: 'friction-points' }),
      panel,
    );
  },
};
