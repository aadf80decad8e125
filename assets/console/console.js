// The journeygraph console: a client of the public GraphQL API at /graphql.
// Each view is a named GraphQL document plus presentation; every figure on
// the page is the API's figure, formatted, and nothing is computed here.
'use strict';

const TOKEN_KEY = 'journeygraph:token';
const $ = (id) => document.getElementById(id);

// The KPI tiles of the overview: the field, its label, its unit, and
// whether a higher value is better (for the colour of the change).
const TILES = [
  ['contactRate', 'Contact rate (tickets per customer)', 'perCustomer', false],
  ['csatRate', 'CSAT (4-5 of 5)', 'fraction', true],
  ['nps', 'NPS', 'score', true],
  ['fcrRate', 'First-contact resolution', 'fraction', true],
  ['repeatContactRate', 'Repeat contacts', 'fraction', false],
  ['slaAttainment', 'SLA attainment', 'fraction', true],
  ['medianFirstResponseHours', 'Median first response', 'hours', false],
  ['medianResolutionHours', 'Median resolution', 'hours', false],
  ['medianTimeToValueDays', 'Median time to value', 'days', false],
  ['onboardingCompletionRate', 'Onboarding completion', 'fraction', true],
];

const FRICTION_KINDS = {
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

const VIEWER = 'query ConsoleViewer { viewer { organization role scopes currency } }';

const kpiFields = TILES.map(([f]) => `${f} { value previous change }`).join(' ');
const trendFields = TILES.map(([f]) => f).join(' ');
const OVERVIEW = `query ConsoleOverview($w: WindowInput!, $bucket: BucketWidth!) {
  kpis(window: $w) { ${kpiFields} }
  kpiTrend(window: $w, bucket: $bucket) { buckets { from to partial } ${trendFields} }
  frictionPoints(window: $w, first: 5) { kind subject affectedCustomers rate previousRate revenueAtRisk }
}`;

/** The API refused the credential: back to sign-in. */
class SignedOut extends Error {}

async function api(query, variables) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) throw new SignedOut('');
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      authorization: `Bearer ${token}`,
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

// ---- formatting -----------------------------------------------------------

let currency = 'USD';
const number = (v, digits) =>
  v.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function format(value, unit) {
  if (value === null || value === undefined) return '—';
  switch (unit) {
    case 'fraction': return `${number(value * 100, 1)} %`;
    case 'hours': return `${number(value, 1)} h`;
    case 'days': return `${number(value, 1)} days`;
    case 'score': return number(value, 0);
    case 'perCustomer': return number(value, 2);
    case 'money':
      return value.toLocaleString('en', { style: 'currency', currency, maximumFractionDigits: 0 });
    default: return String(value);
  }
}

function formatChange(change, unit) {
  if (change === null || change === undefined) return '';
  const sign = change > 0 ? '+' : change < 0 ? '−' : '±';
  const size = Math.abs(change);
  switch (unit) {
    case 'fraction': return `${sign}${number(size * 100, 1)} pt`;
    case 'score': return `${sign}${number(size, 0)}`;
    default: return `${sign}${format(size, unit)}`;
  }
}

// ---- views ------------------------------------------------------------------

function show(id) {
  for (const section of ['sign-in', 'overview', 'not-for-role']) {
    $(section).hidden = section !== id;
  }
}

function signIn(reason) {
  sessionStorage.removeItem(TOKEN_KEY);
  $('who').textContent = '';
  $('views').replaceChildren();
  $('sign-out').hidden = true;
  $('sign-in-reason').textContent = reason || '';
  show('sign-in');
  $('token').focus();
}

function windowChoice() {
  const choice = $('window').value;
  if (choice !== 'custom') {
    const days = Number(choice);
    return { w: { lastDays: days }, bucket: days <= 31 ? 'DAY' : 'WEEK', text: `the last ${days} whole days (UTC)` };
  }
  const from = $('from').value;
  const to = $('to').value;
  if (!from || !to) return null;
  const days = (Date.parse(to) - Date.parse(from)) / 86400000;
  const bucket = days <= 62 ? 'DAY' : days <= 400 ? 'WEEK' : 'MONTH';
  return { w: { from: `${from}T00:00:00Z`, to: `${to}T00:00:00Z` }, bucket, text: `${from} to ${to} (UTC, end excluded)` };
}

const charts = [];

function tile(field, label, unit, higherIsBetter, kpi, trend) {
  const box = document.createElement('article');
  box.className = 'tile';
  box.dataset.kpi = field;
  const title = document.createElement('h3');
  title.textContent = label;
  const value = document.createElement('span');
  value.className = 'value';
  value.textContent = format(kpi.value, unit);
  const change = document.createElement('span');
  change.className = 'change';
  change.textContent = formatChange(kpi.change, unit);
  if (kpi.change) {
    change.classList.add((kpi.change > 0) === higherIsBetter ? 'better' : 'worse');
  }
  const previous = document.createElement('div');
  previous.className = 'previous';
  previous.textContent = `previous window: ${format(kpi.previous, unit)}`;
  const holder = document.createElement('div');
  holder.className = 'chart';
  const canvas = document.createElement('canvas');
  const points = trend[field];
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', `${label} per bucket: ${points.map((p) => format(p, unit)).join(', ')}`);
  holder.append(canvas);
  box.append(title, value, change, previous, holder);
  charts.push(new Chart(canvas, {
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
        spanGaps: false,
        tension: 0.2,
      }],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      plugins: { legend: { display: false }, tooltip: { callbacks: { label: (c) => format(c.raw, unit) } } },
      scales: { x: { display: false }, y: { display: false } },
    },
  }));
  return box;
}

function frictionRow(point) {
  const row = document.createElement('tr');
  const cells = [
    [FRICTION_KINDS[point.kind] || point.kind, ''],
    [point.subject, ''],
    [point.affectedCustomers.toLocaleString('en'), 'num'],
    [format(point.rate, 'fraction'), 'num'],
    [format(point.previousRate, 'fraction'), 'num'],
    [format(point.revenueAtRisk, 'money'), 'num'],
  ];
  for (const [text, cls] of cells) {
    const cell = document.createElement('td');
    cell.textContent = text;
    if (cls) cell.className = cls;
    row.append(cell);
  }
  return row;
}

async function overview() {
  const choice = windowChoice();
  if (!choice) return;
  $('window-text').textContent = `Figures for ${choice.text}, each beside the window of equal length before it; trend lines by ${choice.bucket.toLowerCase()}. A diamond marks a partial bucket.`;
  const data = await api(OVERVIEW, { w: choice.w, bucket: choice.bucket });
  while (charts.length) charts.pop().destroy();
  $('tiles').replaceChildren(
    ...TILES.map(([field, label, unit, better]) => tile(field, label, unit, better, data.kpis[field], data.kpiTrend)),
  );
  $('friction').tBodies[0].replaceChildren(...data.frictionPoints.map(frictionRow));
  document.body.dataset.loaded = 'overview';
}

async function start() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.get('token')) {
    // The sign-in link's token: kept for this tab, taken out of the address.
    sessionStorage.setItem(TOKEN_KEY, fragment.get('token'));
    history.replaceState(null, '', location.pathname);
  }
  if (!sessionStorage.getItem(TOKEN_KEY)) return signIn('');
  const { viewer } = await api(VIEWER);
  currency = viewer.currency;
  $('who').textContent = `${viewer.organization} · ${viewer.role || 'API token'}`;
  $('sign-out').hidden = false;
  const analytics = viewer.role === 'LEADER' || viewer.role === 'ADMIN' || viewer.scopes.includes('ANALYTICS_READ');
  if (!analytics) {
    show('not-for-role');
    document.body.dataset.loaded = 'not-for-role';
    return;
  }
  const link = document.createElement('a');
  link.href = '#';
  link.textContent = 'Overview';
  link.setAttribute('aria-current', 'page');
  $('views').replaceChildren(link);
  show('overview');
  await overview();
}

function guard(work) {
  return async (...args) => {
    $('error').hidden = true;
    try {
      await work(...args);
    } catch (error) {
      if (error instanceof SignedOut) return signIn(error.message);
      $('error').textContent = `Could not load: ${error.message}`;
      $('error').hidden = false;
    }
  };
}

$('sign-in-form').addEventListener('submit', guard(async (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $('token').value.trim().replace(/^Bearer\s+/i, ''));
  $('token').value = '';
  await start();
}));
$('sign-out').addEventListener('click', () => signIn('You are signed out.'));
$('window').addEventListener('change', guard(async () => {
  $('custom').hidden = $('window').value !== 'custom';
  await overview();
}));
$('window-form').addEventListener('submit', guard(async (event) => {
  event.preventDefault();
  await overview();
}));
// A sign-in link opened while the page is open.
window.addEventListener('hashchange', guard(start));
guard(start)();
