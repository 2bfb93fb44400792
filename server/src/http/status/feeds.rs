//! `/status/history.rss` (RSS 2.0) and `/status/history.atom`: one item per update of a
//! hand-written incident (the 50 most recent incidents), newest first, titled with the
//! update's status ("[Resolved] Database slowness"). Cached 60 s with ETag/304.

use std::fmt::Write;

use app::state::AppState;
use app::statuspage::public::Snapshot;
use axum::Extension;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Utc};

use super::esc;
use super::host::OnStatusHost;

/// (incident id, update id, title, body, when), newest first, at most 100.
fn items(s: &Snapshot) -> Vec<(String, String, String, String, DateTime<Utc>)> {
    let mut out: Vec<_> = s
        .incidents
        .iter()
        .flat_map(|i| {
            i.updates.iter().map(move |u| {
                (
                    i.id.to_string(),
                    u.id.to_string(),
                    format!("[{}] {}", u.status.label(), i.name),
                    u.body.clone(),
                    u.created_at,
                )
            })
        })
        .collect();
    out.sort_by(|a, b| b.4.cmp(&a.4).then_with(|| b.1.cmp(&a.1)));
    out.truncate(100);
    out
}

pub fn render_rss(s: &Snapshot, url: &str) -> String {
    let mut x = String::with_capacity(4096);
    let _ = write!(
        x,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\"><channel>\
         <title>{} status history</title><link>{}</link><description>Incidents and their updates</description>\
         <atom:link href=\"{}/history.rss\" rel=\"self\" type=\"application/rss+xml\"/><lastBuildDate>{}</lastBuildDate>",
        esc(&s.page_name),
        esc(url),
        esc(url),
        s.updated_at.to_rfc2822()
    );
    for (incident, update, title, body, at) in items(s) {
        let link = format!("{url}#incident-{incident}");
        let _ = write!(
            x,
            "<item><title>{}</title><link>{}</link><guid isPermaLink=\"false\">{}#update-{}</guid><pubDate>{}</pubDate><description>{}</description></item>",
            esc(&title),
            esc(&link),
            esc(&link),
            update,
            at.to_rfc2822(),
            esc(&body)
        );
    }
    x.push_str("</channel></rss>\n");
    x
}

pub fn render_atom(s: &Snapshot, url: &str) -> String {
    let mut x = String::with_capacity(4096);
    let _ = write!(
        x,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\
         <title>{} status history</title><id>{}/history.atom</id><link href=\"{}\"/>\
         <link rel=\"self\" href=\"{}/history.atom\"/><updated>{}</updated>",
        esc(&s.page_name),
        esc(url),
        esc(url),
        esc(url),
        s.updated_at.to_rfc3339()
    );
    for (incident, update, title, body, at) in items(s) {
        let link = format!("{url}#incident-{incident}");
        let _ = write!(
            x,
            "<entry><title>{}</title><id>urn:uuid:{}</id><link href=\"{}\"/><updated>{}</updated>\
             <author><name>{}</name></author><content type=\"text\">{}</content></entry>",
            esc(&title),
            update,
            esc(&link),
            at.to_rfc3339(),
            esc(&s.page_name),
            esc(&body)
        );
    }
    x.push_str("</feed>\n");
    x
}

async fn answer(
    state: AppState,
    host: Option<Extension<OnStatusHost>>,
    headers: HeaderMap,
    atom: bool,
) -> Response {
    let (url, _) = super::base(&state, host.as_ref().map(|h| &h.0));
    match app::statuspage::public::snapshot(&state.pool, state.clock.now()).await {
        Ok(s) if atom => super::cached(
            &headers,
            "application/atom+xml; charset=utf-8",
            60,
            render_atom(&s, &url),
        ),
        Ok(s) => super::cached(
            &headers,
            "application/rss+xml; charset=utf-8",
            60,
            render_rss(&s, &url),
        ),
        Err(e) => super::failed(e),
    }
}

pub async fn rss(
    State(state): State<AppState>,
    host: Option<Extension<OnStatusHost>>,
    headers: HeaderMap,
) -> Response {
    answer(state, host, headers, false).await
}

pub async fn atom(
    State(state): State<AppState>,
    host: Option<Extension<OnStatusHost>>,
    headers: HeaderMap,
) -> Response {
    answer(state, host, headers, true).await
}
