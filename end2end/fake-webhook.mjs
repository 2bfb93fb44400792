// The outside services of the end-to-end run's channels (scripts/e2e.sh starts it and passes
// its URL as OPSKNIGHT_E2E_WEBHOOK_URL). A Standard Webhooks receiver: POST /hook records the
// request (its webhook-id, -timestamp and -signature headers and its JSON body) and answers
// 200 "received"; GET /_received lists what came, for the tests to verify with the secret they
// were shown. A Slack Web API at /slack/api: chat.postMessage and chat.update need
// `Authorization: Bearer xoxb-e2e-token`, a JSON body, the known channel C0E2EALERTS and a
// `text`, and answer Slack's `{ok, channel, ts}` or `{ok:false, error}`; GET /_slack lists
// the calls.
//   node fake-webhook.mjs <port>
import * as http from "node:http";

const [port] = process.argv.slice(2);
const received = [];
const slack = [];
let ts = 0;

function slackCall(method, req, body, res) {
  const answer = (v) => { res.writeHead(200, { "content-type": "application/json" }); res.end(JSON.stringify(v)); };
  if (req.headers["authorization"] !== "Bearer xoxb-e2e-token") return answer({ ok: false, error: "invalid_auth" });
  let v;
  try { v = JSON.parse(body); } catch { return answer({ ok: false, error: "invalid_json" }); }
  const error = v.channel !== "C0E2EALERTS" ? "channel_not_found" : !v.text ? "no_text" : null;
  slack.push({ method, body: v, answer: error ?? "ok" });
  if (error) return answer({ ok: false, error });
  if (method === "chat.postMessage") ts += 1;
  return answer({ ok: true, channel: v.channel, ts: method === "chat.update" ? v.ts : `1700000000.${String(ts).padStart(6, "0")}` });
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const url = new URL(req.url, "http://fake");
    if (req.method === "GET" && url.pathname === "/_slack") {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify(slack));
    }
    if (req.method === "POST" && url.pathname.startsWith("/slack/api/")) {
      return slackCall(url.pathname.slice("/slack/api/".length), req, Buffer.concat(chunks).toString(), res);
    }
    if (req.method === "GET" && url.pathname === "/_received") {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify(received));
    }
    if (req.method !== "POST" || url.pathname !== "/hook") {
      res.writeHead(404);
      return res.end();
    }
    received.push({
      id: req.headers["webhook-id"], timestamp: req.headers["webhook-timestamp"],
      signature: req.headers["webhook-signature"], body: Buffer.concat(chunks).toString(),
    });
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("received");
  });
});
server.listen(Number(port), "127.0.0.1");
