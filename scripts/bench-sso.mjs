// The driver of scripts/bench-sso.sh: N sign-ins through OpsKnight's start route, the
// provider's login form and back; the callback request is timed (request sent → the 303 that
// sets the session cookie). Usage: node bench-sso.mjs <app URL> <issuer> <N>
const [app, idp, nRaw] = process.argv.slice(2);
const N = Number(nRaw ?? 300);
const WARMUP = 20;

async function ctl(path, body) {
  const res = await fetch(`${idp}/__test/${path}`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
}

function jar() {
  const cookies = new Map();
  return {
    take(res) {
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(";");
        const i = pair.indexOf("=");
        cookies.set(pair.slice(0, i).trim(), pair.slice(i + 1));
      }
    },
    header() { return [...cookies].map(([k, v]) => `${k}=${v}`).join("; "); },
    get(k) { return cookies.get(k); },
  };
}

async function get(url, j) {
  const res = await fetch(url, { redirect: "manual", headers: { cookie: j.header() } });
  j.take(res);
  await res.arrayBuffer();
  return res;
}

const abs = (loc) => (loc.startsWith("http") ? loc : `${idp}${loc}`);

async function signIn() {
  const ours = jar(), theirs = jar();
  let res = await get(`${app}/auth/sso/start?return_to=/`, ours);
  res = await get(res.headers.get("location"), theirs);
  const interaction = abs(res.headers.get("location"));
  await get(interaction, theirs);
  res = await fetch(`${interaction}/login`, {
    method: "POST", redirect: "manual",
    headers: { cookie: theirs.header(), "content-type": "application/x-www-form-urlencoded" },
    body: "login=bench%40example.com&password=x",
  });
  theirs.take(res);
  res = await get(abs(res.headers.get("location")), theirs);
  const callback = res.headers.get("location");
  const t0 = performance.now();
  res = await get(callback, ours);
  const ms = performance.now() - t0;
  if (res.status !== 303 || res.headers.get("location") !== "/" || !ours.get("ok_session")) {
    throw new Error(`sign-in failed: ${res.status} ${res.headers.get("location")}`);
  }
  return ms;
}

await ctl("clients", {
  client_id: "opsknight-bench", client_secret: "bench-secret",
  redirect_uris: [`${app}/auth/sso/callback`], post_logout_redirect_uris: [`${app}/login`],
});
await ctl("accounts", { sub: "bench", email: "bench@example.com", email_verified: true, name: "Bench", groups: [] });
for (let i = 0; i < WARMUP; i++) await signIn();
await ctl("reset-stats", {});
const times = [];
for (let i = 0; i < N; i++) times.push(await signIn());
const stats = await (await fetch(`${idp}/__test/stats`)).json();
times.sort((a, b) => a - b);
const pct = (p) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))];
console.log(`SSO callback → session (release build, JWKS cached), n=${N}:`);
console.log(`  p50 ${pct(50).toFixed(2)} ms   p99 ${pct(99).toFixed(2)} ms   max ${times[times.length - 1].toFixed(2)} ms`);
console.log(`  provider requests during the run: token ${stats.token}, userinfo ${stats.userinfo}, jwks ${stats.jwks}, discovery ${stats.discovery}`);
