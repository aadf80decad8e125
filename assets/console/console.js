// The journeygraph console: sign-in, the views a role may see, the window
// picker and the routes (#/overview, #/friction?kind=..., #/customers/ID).
// Each view is a module with a named GraphQL document and the code that
// formats its answer; every figure on the page is the API's.
import { SignedOut, TOKEN_KEY, api, el, setCurrency } from './api.js';
import overview from './view-overview.js';
import friction from './view-friction.js';
import reasons from './view-reasons.js';
import handoffs from './view-handoffs.js';
import journeys from './view-journeys.js';
import outreach from './view-outreach.js';
import customers from './view-customers.js';
import live from './view-live.js';
import insights from './view-insights.js';

const VIEWS = [overview, friction, reasons, handoffs, journeys, outreach, customers, insights, live];
const VIEWER = 'query ConsoleViewer { viewer { organization role scopes currency } }';
const $ = (id) => document.getElementById(id);
// The window picker; it moves under each view's title.
const toolbar = $('toolbar');
const pick = (id) => toolbar.querySelector(`#${id}`);

let viewer = null;
const charts = [];
const cleanup = [];

function signIn(reason) {
  sessionStorage.removeItem(TOKEN_KEY);
  viewer = null;
  leave();
  $('who').textContent = '';
  $('views').replaceChildren();
  $('sign-out').hidden = true;
  toolbar.hidden = true;
  $('view').replaceChildren();
  $('sign-in-reason').textContent = reason || '';
  $('sign-in').hidden = false;
  document.body.dataset.loaded = 'sign-in';
  $('token').focus();
}

function allowed(view) {
  if (!viewer) return false;
  return view.needs === 'analytics' ? viewer.analytics : viewer.person;
}

/** The window the picker says, with a bucket that keeps a trend readable. */
function windowChoice() {
  const choice = pick('window').value;
  if (choice !== 'custom') {
    const days = Number(choice);
    return { w: { lastDays: days }, bucket: days <= 31 ? 'DAY' : 'WEEK', text: `the last ${days} whole days (UTC)` };
  }
  const from = pick('from').value;
  const to = pick('to').value;
  if (!from || !to) return null;
  const days = (Date.parse(to) - Date.parse(from)) / 86400000;
  const bucket = days <= 62 ? 'DAY' : days <= 400 ? 'WEEK' : 'MONTH';
  return { w: { from: `${from}T00:00:00Z`, to: `${to}T00:00:00Z` }, bucket, text: `${from} to ${to} (UTC, end excluded)` };
}

function leave() {
  while (charts.length) charts.pop().destroy();
  while (cleanup.length) cleanup.pop()();
}

function go(route) {
  location.hash = `#/${route}`;
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

async function route() {
  const [path, query] = location.hash.replace(/^#\/?/, '').split('?');
  const [id, arg] = path.split('/');
  const offered = VIEWS.filter(allowed);
  const view = offered.find((v) => v.id === id) || offered[0];
  leave();
  document.body.dataset.loaded = '';
  for (const link of $('views').children) {
    if (link.dataset.view === view.id) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const choice = windowChoice();
  toolbar.hidden = !view.usesWindow;
  pick('window-text').textContent = view.usesWindow && choice
    ? `Figures for ${choice.text}, compared with the window of equal length before it; trends by ${choice.bucket.toLowerCase()}. A diamond marks a partial bucket.`
    : '';
  const root = el('div', { class: 'view', id: `view-${view.id}` });
  // The window picker sits under the view's title.
  $('view').replaceChildren(el('h1', {}, view.title), toolbar, root);
  const params = Object.fromEntries(new URLSearchParams(query || ''));
  if (arg) params.id = decodeURIComponent(arg);
  if (view.usesWindow && !choice) return;
  await view.render({ root, window: choice, charts, cleanup, viewer, params, go, guard, refresh: guard(route) });
  document.body.dataset.loaded = view.id;
}

async function start() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.get('token')) {
    // The sign-in link's token: kept for this tab, taken out of the address.
    sessionStorage.setItem(TOKEN_KEY, fragment.get('token'));
    history.replaceState(null, '', location.pathname);
  }
  if (!sessionStorage.getItem(TOKEN_KEY)) return signIn('');
  const data = await api(VIEWER);
  const v = data.viewer;
  setCurrency(v.currency);
  viewer = {
    ...v,
    person: Boolean(v.role),
    analytics: v.role === 'LEADER' || v.role === 'ADMIN',
  };
  $('sign-in').hidden = true;
  $('who').textContent = `${v.organization} · ${v.role || 'API token'}`;
  $('sign-out').hidden = false;
  const offered = VIEWS.filter(allowed);
  $('views').replaceChildren(...offered.map((view) => el('a', { href: `#/${view.id}`, dataset: { view: view.id } }, view.title)));
  if (!offered.length) {
    $('view').replaceChildren(el('h1', {}, 'Nothing here for this credential'),
      el('p', {}, 'The console is for people; API tokens use the API directly.'));
    document.body.dataset.loaded = 'nothing';
    return;
  }
  await route();
}

$('sign-in-form').addEventListener('submit', guard(async (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $('token').value.trim().replace(/^Bearer\s+/i, ''));
  $('token').value = '';
  await start();
}));
$('sign-out').addEventListener('click', () => signIn('You are signed out.'));
pick('window').addEventListener('change', guard(async () => {
  pick('custom').hidden = pick('window').value !== 'custom';
  if (pick('window').value !== 'custom') await route();
}));
pick('window-form').addEventListener('submit', guard(async (event) => {
  event.preventDefault();
  await route();
}));
// A sign-in link opened while the page is open, or another view.
window.addEventListener('hashchange', guard(async () => {
  if (location.hash.startsWith('#token=')) return start();
  if (viewer) return route();
  return undefined;
}));
guard(start)();
