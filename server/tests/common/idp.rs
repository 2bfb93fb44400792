//! A real OpenID Connect provider process for the tests (`end2end/oidc-provider.mjs`, the npm
//! `oidc-provider`), its control API, and a browser-like walk through a sign-in: our start
//! route, the provider's login form, and back to our callback. No part of the protocol is
//! faked inside our process.

use std::collections::HashMap;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::AsyncBufReadExt;

use super::TestApp;

pub struct Idp {
    pub issuer: String,
    http: reqwest::Client,
    // Dropping the child closes its stdin, and the provider exits.
    _child: tokio::process::Child,
}

pub const CLIENT_ID: &str = "opsknight-test";
pub const CLIENT_SECRET: &str = "s3cret-for-tests";

impl Idp {
    /// Starts the provider and waits (bounded) for it to listen.
    pub async fn start() -> Idp {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../end2end/oidc-provider.mjs");
        let mut child = tokio::process::Command::new("node")
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start node end2end/oidc-provider.mjs (run scripts/install-tools.sh --test)");
        let stdout = child.stdout.take().unwrap();
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("the provider did not start within 20 s")
            .unwrap()
            .expect("the provider exited before listening");
        let issuer = serde_json::from_str::<Value>(&line).unwrap()["issuer"]
            .as_str()
            .unwrap()
            .to_owned();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        Idp {
            issuer,
            http,
            _child: child,
        }
    }

    pub async fn control(&self, path: &str, body: Value) -> Value {
        let res = self
            .http
            .post(format!("{}/__test/{path}", self.issuer))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{path}: {}", res.status());
        res.json().await.unwrap_or(Value::Null)
    }

    pub async fn stats(&self) -> Value {
        self.http
            .get(format!("{}/__test/stats", self.issuer))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Registers OpsKnight (at `app`) as the client.
    pub async fn register(&self, app: &TestApp) {
        self.control(
            "clients",
            json!({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                   "redirect_uris": [app.url("/auth/sso/callback")],
                   "post_logout_redirect_uris": [app.url("/login")]}),
        )
        .await;
    }

    pub async fn account(&self, sub: &str, email: &str, verified: bool, groups: &[&str]) {
        self.control(
            "accounts",
            json!({"sub": sub, "email": email, "email_verified": verified,
                   "name": format!("Person {sub}"), "groups": groups}),
        )
        .await;
    }
}

/// A tiny cookie jar: name → value, sent back to the host that set it.
#[derive(Default)]
pub struct Jar(HashMap<String, String>);

impl Jar {
    pub fn take(&mut self, res: &reqwest::Response) {
        for v in res.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap();
            let pair = v.split(';').next().unwrap();
            if let Some((k, val)) = pair.split_once('=') {
                self.0.insert(k.trim().to_owned(), val.to_owned());
            }
        }
    }
    pub fn header(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// One browser: our cookies and the provider's.
pub struct Browser {
    pub ours: Jar,
    pub theirs: Jar,
    http: reqwest::Client,
}

impl Default for Browser {
    fn default() -> Self {
        Browser {
            ours: Jar::default(),
            theirs: Jar::default(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap(),
        }
    }
}

impl Browser {
    async fn get(&self, url: &str, jar: &Jar) -> reqwest::Response {
        self.http
            .get(url)
            .header("cookie", jar.header())
            .send()
            .await
            .unwrap()
    }

    /// Our start route → the provider's authorization URL (with our state cookie kept).
    pub async fn start(&mut self, app: &TestApp, return_to: &str) -> String {
        let res = self
            .get(
                &app.url(&format!("/auth/sso/start?return_to={return_to}")),
                &self.ours,
            )
            .await;
        assert_eq!(res.status().as_u16(), 303, "start");
        self.ours.take(&res);
        location(&res)
    }

    /// At the provider: the authorization URL, the login form filled as `login`, and back;
    /// returns the callback URL the provider sends the browser to (not yet followed).
    pub async fn at_provider(&mut self, idp: &Idp, auth_url: &str, login: &str) -> String {
        let res = self.get(auth_url, &self.theirs).await;
        assert_eq!(res.status().as_u16(), 303, "authorize");
        self.theirs.take(&res);
        let interaction = location(&res);
        let interaction = if interaction.starts_with("http") {
            interaction
        } else {
            format!("{}{interaction}", idp.issuer)
        };
        let res = self.get(&interaction, &self.theirs).await;
        assert_eq!(res.status().as_u16(), 200, "login page");
        self.theirs.take(&res);
        let res = self
            .http
            .post(format!("{interaction}/login"))
            .header("cookie", self.theirs.header())
            .form(&[("login", login), ("password", "anything")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 303, "login form");
        self.theirs.take(&res);
        let resume = location(&res);
        let resume = if resume.starts_with("http") {
            resume
        } else {
            format!("{}{resume}", idp.issuer)
        };
        let res = self.get(&resume, &self.theirs).await;
        assert_eq!(res.status().as_u16(), 303, "resume");
        self.theirs.take(&res);
        location(&res)
    }

    /// Our callback: returns where it sends the browser (keeping the session cookie).
    pub async fn callback(&mut self, callback_url: &str) -> String {
        let res = self.get(callback_url, &self.ours).await;
        assert_eq!(res.status().as_u16(), 303, "callback");
        self.ours.take(&res);
        location(&res)
    }

    /// A whole sign-in as `login`; returns where the callback sent the browser.
    pub async fn sign_in(&mut self, app: &TestApp, idp: &Idp, login: &str) -> String {
        let auth = self.start(app, "/").await;
        let cb = self.at_provider(idp, &auth, login).await;
        self.callback(&cb).await
    }

    pub fn session(&self) -> Option<super::Cred> {
        self.ours
            .get("ok_session")
            .map(|t| super::Cred::Cookie(format!("ok_session={t}")))
    }
}
