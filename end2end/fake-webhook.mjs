// A Standard Webhooks receiver for the end-to-end run (scripts/e2e.sh starts it and passes
// its URL as OPSKNIGHT_E2E_WEBHOOK_URL): POST /hook records the request (its webhook-id,
// -timestamp and -signature headers and its JSON body) and answers 200 "received"; GET
// /_received lists what came, for the tests to verify with the secret they were shown.
//   node fake-webhook.mjs <port>
import * as http from "node:http";

const [port] = process.argv.slice(2);
const received = [];

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const url = new URL(req.url, "http://fake");
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
