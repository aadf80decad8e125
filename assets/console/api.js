// The console's one door to the server: the public GraphQL API over HTTP
// (/graphql) and its subscription socket (/graphql/ws,
// graphql-transport-ws), plus the formatting every view shares. Nothing
// here computes a figure; it only writes the API's figures for people.

export const TOKEN_KEY = 'journeygraph:token';

/** The API refused the credential: the page goes back to sign-in. */
export class SignedOut extends Error {}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export async function api(query, variables = {}) {
  const credential = token();
  if (!credential) throw new SignedOut('');
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      authorization: `Bearer ${credential}`,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  const errors = body.errors || [];
  if (errors.some((e) => e.extensions && e.extensions.code === 'UNAUTHENTICATED')) {
    throw new SignedOut('Your sign-in has expired or was revoked. Sign in again.');
  }
  if (errors.length) throw new Error(errors.map((e) => e.message).join('; '));
  return body.data;
}

/**
 * Subscribes to `query` over the socket; `onData` gets each payload's data.
 * Returns a function that closes the socket.
 */
export function subscribe(query, variables, { onData, onAck, onClose }) {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql/ws`;
  const socket = new WebSocket(url, 'graphql-transport-ws');
  socket.addEventListener('open', () => {
    socket.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${token()}` } }));
  });
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(event.data);
    if (message.type === 'connection_ack') {
      if (onAck) onAck();
      socket.send(JSON.stringify({ id: 'live', type: 'subscribe', payload: { query, variables } }));
    } else if (message.type === 'ping') {
      socket.send(JSON.stringify({ type: 'pong' }));
    } else if (message.type === 'next' && message.payload.data) {
      onData(message.payload.data);
    }
  });
  socket.addEventListener('close', (event) => onClose && onClose(event.code, event.reason));
  return () => socket.close(1000, 'page left');
}

// ---- formatting ---------------------------------------------------------------

let currency = 'USD';
export function setCurrency(code) {
  currency = code;
}

const number = (v, digits) =>
  v.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** A figure in its unit: fraction, hours, days, score, count, money or plain. */
export function format(value, unit) {
  if (value === null || value === undefined) return '—';
  switch (unit) {
    case 'fraction': return `${number(value * 100, 1)} %`;
    case 'hours': return `${number(value, 1)} h`;
    case 'days': return `${number(value, 1)} days`;
    case 'score': return number(value, 0);
    case 'count': return number(value, 0);
    case 'ratio': return number(value, 2);
    case 'money':
      return value.toLocaleString('en', { style: 'currency', currency, maximumFractionDigits: 0 });
    default: return String(value);
  }
}

/** A change (the API's `change`) in its unit: "+2.1 pt" for fractions. */
export function formatChange(change, unit) {
  if (change === null || change === undefined) return '';
  const sign = change > 0 ? '+' : change < 0 ? '−' : '±';
  const size = Math.abs(change);
  switch (unit) {
    case 'fraction': return `${sign}${number(size * 100, 1)} pt`;
    case 'score': return `${sign}${number(size, 0)}`;
    default: return `${sign}${format(size, unit)}`;
  }
}

export function date(iso) {
  return iso ? iso.slice(0, 10) : '—';
}

export function dateTime(iso) {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : '—';
}

export const FRICTION_KINDS = {
  HANDOFF_DELAY: 'Slow handoff, Sales to Onboarding',
  ONBOARDING_STALL: 'Onboarding step stalls',
  CAMPAIGN_TRIGGERED_CONTACT: 'Campaign makes people contact support',
  ONBOARDING_TRIGGERED_CONTACT: 'Onboarding step makes people contact support',
  POST_SALE_CONTACT: 'Support contact soon after the sale',
  REPEAT_CONTACT: 'Customers contact again about the same thing',
  SLOW_RESOLUTION: 'Tickets miss their SLA',
  LOW_SATISFACTION: 'Low satisfaction',
  GOING_DARK: 'Customers going dark',
  CHANNEL_SWITCH: 'Customers switch channel about the same thing',
};

export function kindLabel(kind) {
  return FRICTION_KINDS[kind] || kind || 'Any';
}

/** The Okabe-Ito palette: told apart with every common colour blindness. */
export const PALETTE = ['#0072b2', '#e69f00', '#009e73', '#d55e00', '#cc79a7', '#56b4e9', '#f0e442', '#000000'];

/** `el('td', {class: 'num'}, 'text', child)`: an element with attributes and children. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

/** A table: `columns` are [heading, class]; `rows` are arrays of cells. */
export function table(caption, columns, rows, attributes = {}) {
  return el('table', { class: 'table', ...attributes },
    el('caption', { class: 'subtle' }, caption),
    el('thead', {}, el('tr', {}, columns.map(([heading, cls]) => el('th', { scope: 'col', class: cls }, heading)))),
    el('tbody', {}, rows.map((row) => el('tr', {}, row.map((cell, i) => {
      if (cell instanceof Node) return el('td', { class: columns[i][1] }, cell);
      return el('td', { class: columns[i][1] }, String(cell));
    })))));
}

/** A Chart.js chart in a labelled box; `charts` collects it for cleanup. */
export function chart(charts, label, config, height = 220) {
  const canvas = el('canvas', { role: 'img', 'aria-label': label });
  // Heights are classes (console.css): the policy allows no inline style.
  const holder = el('div', { class: `chart h${height}` }, canvas);
  charts.push(new window.Chart(canvas, {
    ...config,
    options: { animation: false, maintainAspectRatio: false, ...config.options },
  }));
  return holder;
}
