// Journeys: the paths customers take between departments, and a funnel
// the leader builds from touchpoint kinds.
import { api, chart, el, format, table } from './api.js';

const PATHS = `query ConsolePaths($w: WindowInput!) {
  journeyPaths(window: $w, steps: 4, first: 10) { departments customers share } }`;
const FUNNEL = `query ConsoleFunnel($w: WindowInput!, $steps: [String!]!, $days: Int!) {
  funnel(window: $w, steps: $steps, conversionWindowDays: $days) { kind customers conversionFromPrevious conversionFromStart } }`;

const DEFAULT_STEPS = 'deal_won, step_started, step_completed, ticket_opened';

async function funnel(ctx, steps, days, out) {
  const list = steps.split(',').map((s) => s.trim()).filter(Boolean);
  const data = await api(FUNNEL, { w: ctx.window.w, steps: list, days });
  out.replaceChildren(
    chart(ctx.charts, `Funnel: ${data.funnel.map((s) => `${s.kind} ${s.customers}`).join(', ')}`, {
      type: 'bar',
      data: { labels: data.funnel.map((s) => s.kind), datasets: [{ label: 'Customers', data: data.funnel.map((s) => s.customers), backgroundColor: '#009e73' }] },
      options: { indexAxis: 'y', plugins: { legend: { display: false } } },
    }, 200),
    table('Customers who reached each step within the conversion window of the first.',
      [['Step', ''], ['Customers', 'num'], ['From previous', 'num'], ['From start', 'num']],
      data.funnel.map((s) => [s.kind, format(s.customers, 'count'), format(s.conversionFromPrevious, 'fraction'), format(s.conversionFromStart, 'fraction')]),
      { id: 'funnel' }));
}

export default {
  id: 'journeys',
  title: 'Journeys',
  needs: 'analytics',
  usesWindow: true,
  async render(ctx) {
    const data = await api(PATHS, { w: ctx.window.w });
    const steps = el('input', { id: 'funnel-steps', type: 'text', value: DEFAULT_STEPS, size: 60 });
    const days = el('input', { id: 'funnel-days', type: 'number', min: 1, max: 365, value: 30 });
    const out = el('div', { id: 'funnel-out' });
    ctx.root.append(
      table('The most common department sequences of customers whose first touch is in the window (repeats collapsed).',
        [['Path', ''], ['Customers', 'num'], ['Share', 'num']],
        data.journeyPaths.map((p) => [p.departments.join(' → '), format(p.customers, 'count'), format(p.share, 'fraction')]),
        { id: 'paths' }),
      el('h2', {}, 'Build a funnel'),
      el('form', { class: 'inline', onsubmit: ctx.guard(async (event) => {
        event.preventDefault();
        await funnel(ctx, steps.value, Number(days.value), out);
      }) },
      el('label', { for: 'funnel-steps' }, 'Touchpoint kinds, in order'), steps,
      el('label', { for: 'funnel-days' }, 'within days'), days,
      el('button', { type: 'submit' }, 'Show')),
      out,
    );
    await funnel(ctx, steps.value, Number(days.value), out);
  },
};
