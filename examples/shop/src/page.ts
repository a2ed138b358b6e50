import { createHash } from 'node:crypto'
import { CATALOG } from './cart.js'

/**
 * The shop's one page: plain HTML and a small inline script that drives the
 * JSON routes with `fetch`. Relative URLs, so it also works under a stage
 * path. The script and style are allowed by their hashes in the CSP, so no
 * other script can run on the page.
 */

const style = `
body { font: 15px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #222 }
h1 { font-size: 1.4rem } h2 { font-size: 1.05rem; margin: 1.5rem 0 .4rem }
section { border: 1px solid #ddd; border-radius: 8px; padding: .2rem 1rem 1rem; margin: 1rem 0 }
button { font: inherit; padding: .25rem .8rem; cursor: pointer } input, select { font: inherit; padding: .2rem }
table { border-collapse: collapse; width: 100% } td, th { text-align: left; padding: .2rem .4rem; border-bottom: 1px solid #eee }
.muted { color: #777 } .badge { background: #e8f3ff; border-radius: 4px; padding: 0 .4rem; font-size: .85rem }
#log { font: 12px/1.4 ui-monospace, monospace; background: #f6f6f6; padding: .5rem; max-height: 12rem; overflow: auto; list-style: none }
`

const script = `
const catalog = ${JSON.stringify(CATALOG)};
const $ = (id) => document.getElementById(id);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const newKey = () => (crypto.randomUUID ? crypto.randomUUID()
  : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join(''));

function log(text) {
  const li = document.createElement('li');
  li.textContent = new Date().toLocaleTimeString() + '  ' + text;
  $('log').prepend(li);
}

async function api(method, path, body, headers = {}) {
  const init = { method, headers: { ...headers }, credentials: 'same-origin' };
  if (body !== undefined) { init.body = JSON.stringify(body); init.headers['Content-Type'] = 'application/json'; }
  const res = await fetch(path, init);
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null } catch { data = { message: text } }
  const replayed = res.headers.get('Idempotent-Replayed') === 'true';
  log(method + ' /' + path + ' → ' + res.status + (replayed ? ' (replayed)' : '') + (data && data.message ? ': ' + data.message : ''));
  return { status: res.status, data, replayed, retryAfter: Number(res.headers.get('Retry-After') || 1) };
}

function show(id, text) { $(id).textContent = text; }

async function refreshUser() {
  const res = await api('GET', 'me');
  const signedIn = res.status === 200;
  show('who', signedIn ? 'Signed in as ' + res.data.userId : 'Not signed in');
  $('logout').disabled = !signedIn;
}

function renderCart(items) {
  const rows = $('cart-items');
  rows.replaceChildren();
  for (const item of items) {
    const tr = document.createElement('tr');
    tr.dataset.sku = item.sku;
    for (const text of [catalog[item.sku] ? catalog[item.sku].name : item.sku, String(item.qty)]) {
      const td = document.createElement('td'); td.textContent = text; tr.append(td);
    }
    rows.append(tr);
  }
  show('cart-empty', items.length === 0 ? 'Your cart is empty.' : '');
  $('checkout').disabled = items.length === 0;
}

async function refreshCart() {
  const res = await api('GET', 'cart');
  if (res.status === 200) renderCart(res.data.items);
}

async function refreshOrders() {
  const res = await api('GET', 'orders');
  const list = $('orders');
  list.replaceChildren();
  for (const order of res.status === 200 ? res.data.orders : []) {
    const li = document.createElement('li');
    li.textContent = order.orderId + ': ' + order.items.map((i) => i.qty + ' × ' + (catalog[i.sku] ? catalog[i.sku].name : i.sku)).join(', ');
    list.append(li);
  }
}

let lastCheckoutKey = null;

// One key per click; every retry of that click (network error, 409 in
// progress, 5xx) resends the same key, so the order is placed at most once.
async function sendCheckout(key) {
  for (let attempt = 1; attempt <= 4; attempt++) {
    let res;
    try { res = await api('POST', 'checkout', undefined, { 'Idempotency-Key': key }); }
    catch (error) { log('network error, retrying with the same key'); await sleep(300 * attempt); continue; }
    if (res.status === 409 || res.status >= 500) { await sleep(Math.min(res.retryAfter, 3) * 1000); continue; }
    return res;
  }
  return null;
}

async function checkout(key) {
  $('checkout').disabled = true;
  $('retry-checkout').disabled = true;
  const res = await sendCheckout(key);
  $('retry-checkout').disabled = false;
  if (!res) show('checkout-result', 'Checkout did not go through; try again.');
  else if (res.status === 200) {
    show('order-id', res.data.orderId);
    show('replayed', res.replayed ? 'replayed: same order, not a new one' : 'new order');
    show('checkout-result', '');
  } else show('checkout-result', res.data && res.data.message ? res.data.message : 'Checkout failed (' + res.status + ')');
  await Promise.all([refreshCart(), refreshOrders()]);
}

// body[data-idle] is "false" while an action's requests run, "true" once the page shows their result.
let running = 0;
const action = (fn) => async (event) => {
  running++;
  document.body.dataset.idle = 'false';
  try { await fn(event); } finally { if (--running === 0) document.body.dataset.idle = 'true'; }
};
const refreshAll = () => Promise.all([refreshUser(), refreshCart(), refreshOrders()]);

$('login-form').addEventListener('submit', action(async (event) => {
  event.preventDefault();
  const res = await api('POST', 'login', { userId: $('user-id').value.trim() });
  show('login-error', res.status === 200 ? '' : res.data.message);
  await refreshAll();
}));
$('logout').addEventListener('click', action(async () => {
  await api('POST', 'logout');
  show('order-id', ''); show('replayed', '');
  await refreshAll();
}));
$('add-form').addEventListener('submit', action(async (event) => {
  event.preventDefault();
  const res = await api('POST', 'cart/items', { sku: $('sku').value, qty: Number($('qty').value) });
  if (res.status === 200) renderCart(res.data.items);
}));
$('checkout').addEventListener('click', action(() => { lastCheckoutKey = newKey(); return checkout(lastCheckoutKey); }));
$('retry-checkout').addEventListener('click', action(async () => { if (lastCheckoutKey) await checkout(lastCheckoutKey); }));

for (const [sku, product] of Object.entries(catalog)) {
  const option = document.createElement('option');
  option.value = sku;
  option.textContent = product.name + ' (' + (product.priceCents / 100).toFixed(2) + ')';
  $('sku').append(option);
}
show('cookie-note', document.cookie.includes('sid=') ? 'sid is readable by scripts!' : 'The sid cookie is HttpOnly: this script cannot read it.');
action(refreshAll)();
`

const body = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>lambda-session shop</title>
<link rel="icon" href="data:,">
<style>${style}</style>
</head>
<body>
<h1>lambda-session shop</h1>
<p class="muted">Every request below runs a real Lambda handler; the cart lives in a DynamoDB session
behind an HttpOnly <code>sid</code> cookie. Reload the page: the cart is still there.</p>
<p><strong id="who">…</strong> <button id="logout" type="button" disabled>Sign out</button></p>

<section>
<h2>Sign in</h2>
<form id="login-form">
<label>User id <input id="user-id" name="userId" value="ada" autocomplete="username" required maxlength="64"></label>
<button id="login" type="submit">Sign in</button> <span id="login-error" class="muted"></span>
</form>
<p class="muted">No password: this is a demo of sessions, not of authentication. Signing in gives the session a new id.</p>
</section>

<section>
<h2>Add to cart</h2>
<form id="add-form">
<select id="sku" name="sku"></select>
<input id="qty" name="qty" type="number" min="1" max="99" value="1" size="3">
<button id="add" type="submit">Add to cart</button>
</form>
</section>

<section>
<h2>Cart</h2>
<table><thead><tr><th>Item</th><th>Qty</th></tr></thead><tbody id="cart-items"></tbody></table>
<p id="cart-empty" class="muted"></p>
<button id="checkout" type="button" disabled>Check out</button>
<button id="retry-checkout" type="button" disabled title="Resend the last checkout with the same Idempotency-Key, as a client would after a timeout">Send the same checkout again</button>
<p>Order: <strong id="order-id"></strong> <span id="replayed" class="badge"></span> <span id="checkout-result"></span></p>
</section>

<section>
<h2>Orders in this session</h2>
<ul id="orders"></ul>
</section>

<section>
<h2>Requests</h2>
<p id="cookie-note" class="muted"></p>
<ul id="log"></ul>
</section>
<script>${script}</script>
</body>
</html>
`

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`
}

/** The page and the headers it is served with. */
export const shopPage = {
  body,
  headers: {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-cache',
    'Content-Security-Policy': [
      "default-src 'none'",
      `script-src ${sha256(script)}`,
      `style-src ${sha256(style)}`,
      "connect-src 'self'",
      'img-src data:',
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  },
} as const
