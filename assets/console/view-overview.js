// Overview: every KPI tile (value, previous window, change, trend) and the
// friction points with the most revenue at stake.
import { api, chart, el, format, formatChange, kindLabel, table } from './api.js';

// field, label, unit, whether a higher value is better (the change's
// colour), and whether its trend is drawn by month: these KPIs wait days
// for an outcome (a repeat within 7 days, a completion, time to value), and
// each bucket is judged at its own end, so a day or a week is mostly
// undecided (docs/analytics.md, Trends).
const TILES = [
  ['contactRate', 'Contact rate (tickets per customer)', 'ratio', false],
  ['csatRate', 'CSAT (4-5 of 5)', 'fraction', true],
  ['nps', 'NPS', 'score', true],
  ['fcrRate', 'First-contact resolution', 'fraction', true, 'monthly'],
  ['repeatContactRate', 'Repeat contacts', 'fraction', false],
  ['slaAttainment', 'SLA attainment', 'fraction', true],
  ['medianFirstResponseHours', 'Median first response', 'hours', false],
  ['medianResolutionHours', 'Median resolution', 'hours', false],
  ['medianTimeToValueDays', 'Median time to value', 'days', false, 'monthly'],
  ['onboardingCompletionRate', 'Onboarding completion', 'fraction', true, 'monthly'],
];

const kpiFields = TILES.map(([f]) => `${f} { value previous change }`).join(' ');
const trendFields = TILES.filter((t) => !t[4]).map(([f]) => f).join(' ');
const monthlyFields = TILES.filter((t) => t[4]).map(([f]) => f).join(' ');
const OVERVIEW = `query ConsoleOverview($w: WindowInput!, $bucket: BucketWidth!) {
  kpis(window: $w) { ${kpiFields} }
  kpiTrend(window: $w, bucket: $bucket) { buckets { from to partial } ${trendFields} }
  monthly: kpiTrend(window: $w, bucket: MONTH) { buckets { from to partial } ${monthlyFields} }
  frictionPoints(window: $w, first: 5) { kind subject affectedCustomers rate previousRate revenueAtRisk }
}`;

function tile(ctx, [field, label, unit, higherIsBetter, by], kpi, trend) {
  const per = by === 'monthly' ? 'month' : ctx.window.bucket.toLowerCase();
  const change = el('span', { class: 'change' }, formatChange(kpi.change, unit));
  if (kpi.change) change.classList.add((kpi.change > 0) === higherIsBetter ? 'better' : 'worse');
  const points = trend[field];
  const line = chart(ctx.charts, `${label} per ${per}: ${points.map((p) => format(p, unit)).join(', ')}`, {
    type: 'line',
    data: {
      labels: trend.buckets.map((b) => b.from.slice(0, 10)),
      datasets: [{
        data: points,
        borderColor: '#0072b2',
        backgroundColor: '#0072b2',
        borderWidth: 2,
        pointRadius: trend.buckets.map((b) => (b.partial ? 3 : 0)),
        pointStyle: 'rectRot',
        tension: 0.2,
      }],
    },
    options: {
      plugins: { legend: { display: false }, tooltip: { callbacks: { label: (c) => format(c.raw, unit) } } },
      scales: { x: { display: false }, y: { display: false } },
    },
  }, 70);
  return el('article', { class: 'tile', dataset: { kpi: field } },
    el('h3', {}, label),
    el('span', { class: 'value' }, format(kpi.value, unit)),
    change,
    el('div', { class: 'previous' }, `previous window: ${format(kpi.previous, unit)}`),
    line,
    by ? el('div', { class: 'subtle per' }, 'trend by month') : null);
}

export default {
  id: 'overview',
  title: 'Overview',
  needs: 'analytics',
  usesWindow: true,
  async render(ctx) {
    const data = await api(OVERVIEW, { w: ctx.window.w, bucket: ctx.window.bucket });
    ctx.root.append(
      el('div', { class: 'tiles', id: 'tiles' },
        TILES.map((t) => tile(ctx, t, data.kpis[t[0]], t[4] ? data.monthly : data.kpiTrend))),
      el('h2', {}, 'Where customers get stuck, by revenue at risk'),
      table('The top friction points of the window, ranked by impact (revenue at risk above the baseline).',
        [['Friction', ''], ['Subject', ''], ['Affected customers', 'num'], ['Rate', 'num'], ['Previous rate', 'num'], ['Revenue at risk', 'num']],
        data.frictionPoints.map((p) => [kindLabel(p.kind), p.subject, format(p.affectedCustomers, 'count'),
          format(p.rate, 'fraction'), format(p.previousRate, 'fraction'), format(p.revenueAtRisk, 'money')]),
        { id: 'friction' }),
    );
  },
};
