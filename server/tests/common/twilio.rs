//! A fake Twilio at the HTTP boundary: `POST /2010-04-01/Accounts/{sid}/Messages.json` checks
//! what Twilio checks (Basic auth, E.164 `To`, exactly one of `From`/`MessagingServiceSid`, a
//! `Body` of at most 1,600 characters, an optional absolute `StatusCallback` of at most 4,000
//! characters with no `_` in its host) and answers 201 with an `SM…` sid, a scripted error, or Twilio's
//! error JSON. `Calls.json` checks Basic auth, E.164 `To` and `From`, an absolute `Url`, the
//! `MachineDetection` value and the callback, and answers a `CA…` sid. It then calls back as
//! Twilio does: form-encoded and signed over the exact URL (receipts, inbound SMS, the call's
//! TwiML fetch with `AnsweredBy`, and key presses to the `<Gather>` action).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use opsknight_server::notify::twilio::{TwilioConfig, signature};

use super::{Cred, TestApp};

pub const SID: &str = "AC0123456789abcdef0123456789abcdef";
pub const TOKEN: &str = "fake-auth-token";
pub const FROM: &str = "+14155550100";

/// A message the fake accepted.
#[derive(Debug, Clone)]
pub struct Sent {
    pub sid: String,
    pub to: String,
    pub body: String,
    pub callback: String,
}

/// A call the fake placed.
#[derive(Debug, Clone)]
pub struct Call {
    pub sid: String,
    pub to: String,
    /// Where the call's TwiML comes from (empty when it came inline).
    pub url: String,
    /// The inline TwiML (`Twiml`), when there was no `Url`.
    pub twiml: Option<String>,
    pub callback: String,
    pub machine_detection: String,
}

#[derive(Default)]
struct Inner {
    sent: Vec<Sent>,
    calls: Vec<Call>,
    /// Answers to give before accepting again: (HTTP status, Twilio error code).
    script: VecDeque<(u16, i64)>,
    counter: u64,
}

#[derive(Clone)]
pub struct FakeTwilio {
    pub base: String,
    inner: Arc<Mutex<Inner>>,
    http: reqwest::Client,
}

fn twilio_error(status: u16, code: i64, message: &str) -> Response {
    let body = serde_json::json!({"code": code, "message": message,
        "more_info": format!("https://www.twilio.com/docs/errors/{code}"), "status": status});
    (StatusCode::from_u16(status).unwrap(), axum::Json(body)).into_response()
}

fn e164(s: &str) -> bool {
    s.len() >= 3
        && s.len() <= 16
        && s.starts_with('+')
        && s[1..].bytes().all(|b| b.is_ascii_digit())
        && !s[1..].starts_with('0')
}

/// The form of an authenticated API request, or Twilio's 401.
fn authenticated(
    account: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Vec<(String, String)>, Box<Response>> {
    use base64::Engine as _;
    let want = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{SID}:{TOKEN}"))
    );
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    if account != SID || auth != Some(want.as_str()) {
        return Err(Box::new(twilio_error(401, 20003, "Authenticate")));
    }
    Ok(form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect())
}

/// An absolute http(s) URL of at most 4,000 characters with no `_` in its host.
fn callback_ok(url: &str) -> bool {
    let host_ok = reqwest::Url::parse(url).ok().is_some_and(|u| {
        matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.contains('_'))
    });
    host_ok && url.len() <= 4000
}

async fn calls(
    State(fake): State<FakeTwilio>,
    Path(account): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = match authenticated(&account, &headers, &body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let get = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let to = get("To").unwrap_or_default();
    if !e164(&to) {
        return twilio_error(400, 21217, "Phone number is not a valid phone number.");
    }
    if !get("From").is_some_and(|f| e164(&f)) {
        return twilio_error(400, 21212, "The 'From' number is not a valid phone number.");
    }
    let (url, twiml) = (get("Url").unwrap_or_default(), get("Twiml"));
    match &twiml {
        Some(_) if !url.is_empty() => {
            return twilio_error(400, 21205, "Only one of Url, Twiml may be given.");
        }
        Some(t) if t.len() > 4000 || !t.contains("<Response>") => {
            return twilio_error(400, 21205, "Twiml is not valid TwiML.");
        }
        Some(_) => {}
        None if !callback_ok(&url) => {
            return twilio_error(400, 21205, "Url is not a valid URL.");
        }
        None => {}
    }
    let callback = get("StatusCallback").unwrap_or_default();
    if !callback.is_empty() && !callback_ok(&callback) {
        return twilio_error(400, 21609, "Invalid StatusCallback URL.");
    }
    let machine_detection = get("MachineDetection").unwrap_or_default();
    if !matches!(
        machine_detection.as_str(),
        "" | "Enable" | "DetectMessageEnd"
    ) {
        return twilio_error(
            400,
            21207,
            "MachineDetection must be Enable or DetectMessageEnd.",
        );
    }
    let mut inner = fake.inner.lock().unwrap();
    if let Some((status, code)) = inner.script.pop_front() {
        return twilio_error(status, code, "scripted failure");
    }
    inner.counter += 1;
    let sid = format!("CA{:032x}", inner.counter);
    inner.calls.push(Call {
        sid: sid.clone(),
        to: to.clone(),
        url,
        twiml,
        callback,
        machine_detection,
    });
    let json = serde_json::json!({"sid": sid, "status": "queued", "to": to, "from": get("From"),
        "account_sid": SID, "direction": "outbound-api"});
    (StatusCode::CREATED, axum::Json(json)).into_response()
}

async fn messages(
    State(fake): State<FakeTwilio>,
    Path(account): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = match authenticated(&account, &headers, &body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let get = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let (to, from, service, text, callback) = (
        get("To").unwrap_or_default(),
        get("From"),
        get("MessagingServiceSid"),
        get("Body").unwrap_or_default(),
        get("StatusCallback").unwrap_or_default(),
    );
    if !e164(&to) {
        return twilio_error(400, 21211, "The 'To' number is not a valid phone number.");
    }
    if from.is_some() == service.is_some() {
        return twilio_error(
            400,
            21603,
            "A 'From' or 'MessagingServiceSid' parameter is required.",
        );
    }
    if text.is_empty() || text.chars().count() > 1600 {
        return twilio_error(
            400,
            21602,
            "Message body is required (at most 1600 characters).",
        );
    }
    if !callback.is_empty() && !callback_ok(&callback) {
        return twilio_error(400, 21609, "Invalid StatusCallback URL.");
    }
    let mut inner = fake.inner.lock().unwrap();
    if let Some((status, code)) = inner.script.pop_front() {
        return twilio_error(status, code, "scripted failure");
    }
    inner.counter += 1;
    let sid = format!("SM{:032x}", inner.counter);
    inner.sent.push(Sent {
        sid: sid.clone(),
        to: to.clone(),
        body: text.clone(),
        callback,
    });
    let json = serde_json::json!({"sid": sid, "status": "queued", "to": to, "from": from,
        "body": text, "num_segments": "1", "error_code": null, "error_message": null,
        "account_sid": SID});
    (StatusCode::CREATED, axum::Json(json)).into_response()
}

impl FakeTwilio {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let fake = FakeTwilio {
            base,
            inner: Arc::default(),
            http: reqwest::Client::new(),
        };
        let app = Router::new()
            .route(
                "/2010-04-01/Accounts/{account}/Messages.json",
                post(messages),
            )
            .route("/2010-04-01/Accounts/{account}/Calls.json", post(calls))
            .with_state(fake.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        fake
    }

    /// Settings that point the server at this fake.
    pub fn config(&self) -> Arc<TwilioConfig> {
        Arc::new(TwilioConfig {
            account_sid: SID.into(),
            tokens: vec![TOKEN.into()],
            from: FROM.into(),
            api_url: self.base.clone(),
        })
    }

    /// The next answers, before accepting again.
    pub fn script(&self, answers: &[(u16, i64)]) {
        self.inner
            .lock()
            .unwrap()
            .script
            .extend(answers.iter().copied());
    }

    pub fn sent(&self) -> Vec<Sent> {
        self.inner.lock().unwrap().sent.clone()
    }

    pub fn calls(&self) -> Vec<Call> {
        self.inner.lock().unwrap().calls.clone()
    }

    /// Forgets what was sent and called so far.
    pub fn clear(&self) {
        let mut inner = self.inner.lock().unwrap();
        inner.sent.clear();
        inner.calls.clear();
    }

    /// The 6-digit code in the last verification text to `to`, or in the last verification
    /// call's spoken TwiML ("1, 2, 3, 4, 5, 6").
    pub fn last_code(&self, to: &str) -> Option<String> {
        let six = |text: &str| {
            text.split(|c: char| !c.is_ascii_digit())
                .find(|w| w.len() == 6)
                .map(str::to_owned)
        };
        let text = self
            .sent()
            .into_iter()
            .rev()
            .find(|m| m.to == to && m.body.contains("verification code"))
            .and_then(|m| six(&m.body));
        let spoken = self
            .calls()
            .into_iter()
            .rev()
            .filter(|c| c.to == to)
            .find_map(|c| c.twiml.filter(|t| t.contains("verification code")))
            .and_then(|t| six(&t.replace(", ", "")));
        text.or(spoken)
    }

    /// Adds `number` as a verified `kind` method of the person signed in as `cred`, with the
    /// code this fake received; returns the method.
    pub async fn verified(
        &self,
        app: &TestApp,
        cred: &Cred,
        kind: &str,
        number: &str,
    ) -> serde_json::Value {
        let (s, m) = app
            .call(
                "/api/profile/contact-methods/add",
                serde_json::json!({"kind": kind, "address": number, "label": "Cell"}),
                cred,
            )
            .await;
        assert_eq!(s, 200, "{m}");
        if kind == "VOICE" {
            // A voice number's code comes by a call that speaks it, not by a text.
            assert!(self.sent().iter().all(|m| m.to != number));
            let call = self.calls().into_iter().find(|c| c.to == number).unwrap();
            assert!(call.url.is_empty());
            assert!(call.twiml.unwrap().contains("verification code is"));
        }
        let code = self
            .last_code(number)
            .expect("a verification code was sent");
        let (s, v) = app
            .call(
                "/api/profile/contact-methods/verify",
                serde_json::json!({"id": m["id"], "code": code}),
                cred,
            )
            .await;
        assert_eq!(s, 200, "{v}");
        m
    }

    /// A form POST to `url`, signed with `token` as Twilio signs it.
    pub async fn post_signed(
        &self,
        url: &str,
        params: &[(&str, &str)],
        token: &str,
    ) -> reqwest::Response {
        let owned: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let sig = signature::sign(token, url, &owned);
        self.http
            .post(url)
            .header("x-twilio-signature", sig)
            .form(&owned)
            .send()
            .await
            .unwrap()
    }

    /// The delivery receipt for a sent message, to its StatusCallback.
    pub async fn receipt(&self, sent: &Sent, status: &str, error_code: Option<&str>) -> u16 {
        let mut params = vec![
            ("MessageSid", sent.sid.as_str()),
            ("SmsSid", sent.sid.as_str()),
            ("MessageStatus", status),
            ("AccountSid", SID),
            ("From", FROM),
            ("To", sent.to.as_str()),
            ("ApiVersion", "2010-04-01"),
        ];
        if let Some(code) = error_code {
            params.push(("ErrorCode", code));
        }
        self.post_signed(&sent.callback, &params, TOKEN)
            .await
            .status()
            .as_u16()
    }

    /// An inbound SMS from `from` to our number, at `url` (the server's `/api/twilio/sms`).
    pub async fn inbound(&self, url: &str, from: &str, body: &str) -> (u16, String) {
        let res = self
            .post_signed(
                url,
                &[
                    ("MessageSid", "SM99999999999999999999999999999999"),
                    ("AccountSid", SID),
                    ("From", from),
                    ("To", FROM),
                    ("Body", body),
                    ("NumMedia", "0"),
                    ("NumSegments", "1"),
                ],
                TOKEN,
            )
            .await;
        (res.status().as_u16(), res.text().await.unwrap())
    }

    fn call_params<'a>(call: &'a Call, status: &'a str) -> Vec<(&'a str, &'a str)> {
        vec![
            ("CallSid", call.sid.as_str()),
            ("AccountSid", SID),
            ("From", FROM),
            ("To", call.to.as_str()),
            ("CallStatus", status),
            ("Direction", "outbound-api"),
            ("ApiVersion", "2010-04-01"),
        ]
    }

    /// The call is picked up by `answered_by` (`human`, `machine_start` …): Twilio fetches
    /// the call's TwiML. Returns the status and the TwiML.
    pub async fn answer(&self, call: &Call, answered_by: &str) -> (u16, String) {
        let mut params = Self::call_params(call, "in-progress");
        params.push(("AnsweredBy", answered_by));
        let res = self.post_signed(&call.url, &params, TOKEN).await;
        (res.status().as_u16(), res.text().await.unwrap())
    }

    /// A key pressed during `twiml`'s `<Gather>`: posted to its action, as Twilio does.
    pub async fn press(&self, call: &Call, twiml: &str, digits: &str) -> (u16, String) {
        let action = gather_action(twiml).expect("the TwiML has a <Gather action=…>");
        let mut params = Self::call_params(call, "in-progress");
        params.push(("Digits", digits));
        params.push(("FinishedOnKey", ""));
        let res = self.post_signed(&action, &params, TOKEN).await;
        (res.status().as_u16(), res.text().await.unwrap())
    }

    /// How the call ended, to its StatusCallback.
    pub async fn call_status(&self, call: &Call, status: &str, answered_by: Option<&str>) -> u16 {
        let mut params = Self::call_params(call, status);
        params.push(("CallDuration", "12"));
        if let Some(a) = answered_by {
            params.push(("AnsweredBy", a));
        }
        self.post_signed(&call.callback, &params, TOKEN)
            .await
            .status()
            .as_u16()
    }
}

/// The `action` of the first `<Gather>` in `twiml`, unescaped.
pub fn gather_action(twiml: &str) -> Option<String> {
    let gather = &twiml[twiml.find("<Gather")?..];
    let start = gather.find("action=\"")? + "action=\"".len();
    let end = start + gather[start..].find('"')?;
    Some(gather[start..end].replace("&amp;", "&"))
}
