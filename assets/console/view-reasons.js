// Contact reasons: why customers reach out, each reason's share over time,
// and which department touched the customer just before.
import { PALETTE, api, chart, el, format, table } from './api.js';

const REASONS = `query ConsoleReasons($w: WindowInput!, $bucket: BucketWidth!) {
  contactReasons(window: $w, first: 15) {
    reason tickets customers share previousShare medianResolutionHours csatAverage repeatRate
    precededBy { department share } }
  contactReasonTrend(window: $w, bucket: $bucket, first: 6) {
    buckets { from partial } tickets reasons { reason tickets share } } }`;

export default {
  id: 'reasons',
  title: 'Contact reasons',
  needs: 'analytics',
  usesWindow: true,
  async render(ctx) {
    const data = await api(REASONS, { w: ctx.window.w, bucket: ctx.window.bucket });
    const trend = data.contactReasonTrend;
    const stacked = chart(ctx.charts, `Tickets per ${ctx.window.bucket.toLowerCase()} by reason`, {
      type: 'bar',
      data: {
        labels: trend.buckets.map((b) => b.from.slice(0, 10)),
        datasets: trend.reasons.map((r, i) => ({ label: r.reason, data: r.tickets, backgroundColor: PALETTE[i % PALETTE.length] })),
      },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
    }, 260);
    const before = (r) => r.precededBy.map((p) => `${p.department || 'nothing'} ${format(p.share, 'fraction')}`).join(', ');
    ctx.root.append(
      el('h2', {}, 'Tickets by reason over time (the six largest)'),
      stacked,
      table('Per reason: its share of all tickets now and in the previous window, how it is handled, and the department of the customer\'s last other touchpoint in the 7 days before.',
        [['Reason', ''], ['Tickets', 'num'], ['Customers', 'num'], ['Share', 'num'], ['Previous share', 'num'],
          ['Median resolution', 'num'], ['CSAT', 'num'], ['Repeat rate', 'num'], ['Just before', '']],
        data.contactReasons.map((r) => [r.reason, format(r.tickets, 'count'), format(r.customers, 'count'), format(r.share, 'fraction'),
          format(r.previousShare, 'fraction'), format(r.medianResolutionHours, 'hours'), format(r.csatAverage, 'ratio'),
          format(r.repeatRate, 'fraction'), before(r)]),
        { id: 'reasons' }),
    );
  },
};
