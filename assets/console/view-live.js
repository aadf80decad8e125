// Live: friction alerts as the subscription delivers them, while the page is open.
import { dateTime, el, kindLabel, subscribe } from './api.js';

const ALERTS = `subscription ConsoleLive { frictionDetected { id kind subject severity trigger origin raisedAt customerId } }`;

export default {
  id: 'live',
  title: 'Live',
  needs: 'people',
  usesWindow: false,
  async render(ctx) {
    const list = el('ol', { id: 'alerts', class: 'alerts', 'aria-live': 'polite' });
    const status = el('p', { class: 'subtle', id: 'live-status' }, 'Connecting…');
    ctx.root.append(status, list);
    const close = subscribe(ALERTS, {}, {
      onAck: () => {
        status.textContent = 'Listening for friction as it is detected.';
        document.body.dataset.live = 'listening';
      },
      onData: (data) => {
      const a = data.frictionDetected;
      list.prepend(el('li', { dataset: { kind: a.kind || '' } },
        el('strong', {}, kindLabel(a.kind)), ` · ${a.subject} · severity ${a.severity} · ${a.trigger} · ${dateTime(a.raisedAt)} `,
        el('a', { href: `#/customers/${encodeURIComponent(a.customerId)}` }, 'customer')));
      },
      onClose: (code) => {
        status.textContent = code === 1000 ? 'Closed.' : `The connection closed (${code}); open this view again to reconnect.`;
      },
    });
    ctx.cleanup.push(close);
  },
};
