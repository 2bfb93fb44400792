// OpsKnight's service worker. It caches the app shell and assets, answers navigations with
// an offline page when the network is gone, keeps acknowledgements tapped offline in
// IndexedDB and sends them when the network returns (the page says so: its `online` event,
// or its next load), subscribes the device to Web Push, and shows pages with "Acknowledge"
// (done here, with the push's scoped token, without opening the app) and "Open".
// Messages with pages are JSON strings.
'use strict';

const CACHE = 'opsknight-shell-v3';
// Every build has these (`cargo xtask build` checks that each exists). The split loader is the
// module the main WASM module imports to fetch the modules behind split points.
const SHELL = [
  '/offline.html',
  '/pkg/opsknight.css',
  '/pkg/opsknight.js',
  '/pkg/opsknight.wasm',
  '/pkg/__wasm_split.______________________.js',
  '/manifest.webmanifest',
  '/icons/icon-192.png',
  '/favicon.svg',
];
const ASSET = /^\/(pkg|icons)\/|^\/(favicon\.svg|manifest\.webmanifest|offline\.html)$/;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(SHELL);
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key !== CACHE) await caches.delete(key);
    }
    await self.clients.claim();
    await flush();
  })());
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (req.mode === 'navigate') {
    event.respondWith(fetch(req).catch(async () => (await caches.match('/offline.html')) || Response.error()));
    return;
  }
  if (ASSET.test(url.pathname)) {
    // Stale while revalidate: the cached copy now, a fresh one for next time.
    event.respondWith((async () => {
      const cache = await caches.open(CACHE);
      const cached = await cache.match(req);
      const fresh = fetch(req).then((res) => {
        if (res.ok) cache.put(req, res.clone());
        return res;
      });
      if (cached) {
        event.waitUntil(fresh.catch(() => undefined));
        return cached;
      }
      return fresh;
    })());
  }
});

// ---- The offline acknowledgement queue (IndexedDB "opsknight", store "acks", key: incident id).

function db() {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open('opsknight', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('acks', { keyPath: 'id' });
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
}

async function store(mode, fn) {
  const d = await db();
  return new Promise((resolve, reject) => {
    const tx = d.transaction('acks', mode);
    const result = fn(tx.objectStore('acks'));
    tx.oncomplete = () => resolve(result && 'result' in result ? result.result : undefined);
    tx.onerror = () => reject(tx.error);
  });
}

const queued = () => store('readonly', (s) => s.getAll());

async function tell(message) {
  const text = JSON.stringify(message);
  for (const c of await self.clients.matchAll({ includeUncontrolled: true, type: 'window' })) {
    c.postMessage(text);
  }
}

async function announce() {
  await tell({ type: 'queue', ids: (await queued()).map((a) => a.id) });
}

let flushing = null;

// Sends every queued acknowledgement once. A network failure or a server error (5xx) keeps
// it for the next try; the server's refusal (4xx) drops it and says why.
function flush() {
  if (!flushing) {
    flushing = (async () => {
      try {
        for (const ack of await queued()) {
          let res;
          try {
            res = await fetch('/api/incidents/acknowledge', {
              method: 'POST',
              credentials: 'same-origin',
              headers: { 'content-type': 'application/json', accept: 'application/json' },
              body: JSON.stringify({ ids: [ack.id] }),
            });
          } catch (e) {
            break;
          }
          if (res.status >= 500) break;
          await store('readwrite', (s) => s.delete(ack.id));
          let message = null;
          if (!res.ok) {
            try { message = (await res.json()).message || null; } catch (e) { message = res.statusText; }
          }
          await tell({ type: 'sent', id: ack.id, ok: res.ok, message });
        }
      } finally {
        flushing = null;
        await announce();
      }
    })();
  }
  return flushing;
}

self.addEventListener('message', (event) => {
  let msg;
  try { msg = JSON.parse(event.data); } catch (e) { return; }
  if (msg.type === 'queue_ack' && typeof msg.id === 'string') {
    event.waitUntil((async () => {
      await store('readwrite', (s) => s.put({ id: msg.id, at: Date.now() }));
      await announce();
    })());
  } else if (msg.type === 'flush') {
    event.waitUntil(flush());
  } else if (msg.type === 'push_subscribe' && typeof msg.key === 'string') {
    event.waitUntil(subscribe(msg.key, String(msg.device || 'This device')));
  }
});

// ---- Web Push.

function fromB64url(text) {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

// Subscribes with the server's key (again, if the key was rotated) and registers the device.
async function subscribe(key, device) {
  try {
    const pm = self.registration.pushManager;
    let sub = await pm.getSubscription();
    const wanted = fromB64url(key);
    const current = sub && sub.options.applicationServerKey && new Uint8Array(sub.options.applicationServerKey);
    if (sub && (!current || current.length !== wanted.length || current.some((b, i) => b !== wanted[i]))) {
      await sub.unsubscribe();
      sub = null;
    }
    if (!sub) sub = await pm.subscribe({ userVisibleOnly: true, applicationServerKey: wanted });
    const json = sub.toJSON();
    const res = await fetch('/api/push/subscribe', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ subscription: { endpoint: json.endpoint, p256dh: json.keys.p256dh, auth: json.keys.auth, device } }),
    });
    const body = await res.json().catch(() => ({}));
    await tell({ type: 'push', ok: res.ok, message: res.ok ? 'Push is on for this device.' : (body.message || res.statusText) });
  } catch (e) {
    await tell({ type: 'push', ok: false, message: `This browser could not subscribe to push: ${e.message || e}` });
  }
}

self.addEventListener('push', (event) => {
  let m = {};
  try { m = event.data ? event.data.json() : {}; } catch (e) { m = {}; }
  const title = m.number ? `#${m.number} ${m.title}` : 'OpsKnight';
  event.waitUntil(self.registration.showNotification(title, {
    body: [m.urgency, m.service].filter(Boolean).join(' · '),
    tag: m.incident_id || 'opsknight',
    renotify: true,
    requireInteraction: m.urgency === 'HIGH',
    icon: '/icons/icon-192.png',
    data: m,
    actions: [{ action: 'ack', title: 'Acknowledge' }, { action: 'open', title: 'Open' }],
  }));
});

async function openUrl(url) {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  for (const c of windows) {
    if (new URL(c.url).pathname === url && 'focus' in c) return c.focus();
  }
  return self.clients.openWindow(url);
}

// "Acknowledge" calls the API with the push's token (scoped to this incident and person,
// 24 h) and says how it went in place of the page; it opens nothing unless it failed.
async function notificationAction(action, notification) {
  const m = notification.data || {};
  if (action === 'ack' && m.ack_token) {
    let res = null;
    try {
      res = await fetch('/api/ack-link/confirm', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ token: m.ack_token }),
      });
    } catch (e) { res = null; }
    notification.close();
    if (res && res.ok) {
      await self.registration.showNotification(`Acknowledged #${m.number}`, {
        body: m.title, tag: m.incident_id, data: { ...m, ack_token: null }, icon: '/icons/icon-192.png',
      });
      return 'acknowledged';
    }
    await openUrl(m.url || '/m');
    return 'opened';
  }
  notification.close();
  await openUrl(m.url || '/m');
  return 'opened';
}
self.notificationAction = notificationAction;

self.addEventListener('notificationclick', (event) => {
  event.waitUntil(notificationAction(event.action || 'open', event.notification));
});
