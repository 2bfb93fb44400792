// A fake Twilio for the end-to-end run (scripts/test.sh starts it before the server and points
// OPSKNIGHT_TWILIO_API_URL at it). Messages.json checks what Twilio checks (Basic auth, E.164
// To, From, Body of at most 1,600 characters, an optional absolute StatusCallback) and answers 201 with
// an SM… sid; GET /_sent lists what it accepted, for the tests to read codes from.
//   node fake-twilio.mjs <port> <account sid> <auth token>
import * as http from "node:http";

const [port, sid, token] = process.argv.slice(2);
const sent = [];
const auth = "Basic " + Buffer.from(`${sid}:${token}`).toString("base64");

function reply(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const url = new URL(req.url, "http://fake");
    if (req.method === "GET" && url.pathname === "/_sent") return reply(res, 200, sent);
    if (req.method !== "POST" || url.pathname !== `/2010-04-01/Accounts/${sid}/Messages.json`) {
      return reply(res, 404, { code: 20404, message: "The requested resource was not found", status: 404 });
    }
    if (req.headers.authorization !== auth) return reply(res, 401, { code: 20003, message: "Authenticate", status: 401 });
    const form = new URLSearchParams(Buffer.concat(chunks).toString());
    const to = form.get("To") ?? "", body = form.get("Body") ?? "", callback = form.get("StatusCallback") ?? "";
    if (!/^\+[1-9]\d{1,14}$/.test(to)) return reply(res, 400, { code: 21211, message: "The 'To' number is not a valid phone number.", status: 400 });
    if (!form.get("From")) return reply(res, 400, { code: 21603, message: "A 'From' phone number is required.", status: 400 });
    if (!body || body.length > 1600) return reply(res, 400, { code: 21602, message: "Message body is required.", status: 400 });
    if (callback && !/^https?:\/\/[^_/]+\//.test(callback)) return reply(res, 400, { code: 21609, message: "Invalid StatusCallback URL.", status: 400 });
    const msg = { sid: "SM" + String(sent.length + 1).padStart(32, "0"), to, body, status: "queued" };
    sent.push(msg);
    reply(res, 201, msg);
  });
});
server.listen(Number(port), "127.0.0.1");
