//! `/api/docs`: the OpenAPI document as a plain, server-rendered page (no scripts, so it works
//! under the strict CSP): every operation with its scopes, parameters, body and answers, then
//! every schema. Its stylesheet is `/api/docs.css`.

use std::fmt::Write as _;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Escaped prose, with its `backticked` spans as code.
fn prose(s: &str) -> String {
    esc(s)
        .split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{part}</code>")
            } else {
                part.to_owned()
            }
        })
        .collect()
}

/// `#/components/schemas/Incident` → `Incident`, linked; inline schemas by their type.
fn type_of(schema: &Value) -> String {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap_or(r);
        return format!("<a href=\"#schema-{0}\">{0}</a>", esc(name));
    }
    if let Some(all) = schema["oneOf"].as_array().or(schema["anyOf"].as_array()) {
        return all.iter().map(type_of).collect::<Vec<_>>().join(" | ");
    }
    match &schema["type"] {
        Value::String(t) if t == "array" => format!("{}[]", type_of(&schema["items"])),
        Value::String(t) => {
            let format = schema["format"]
                .as_str()
                .map(|f| format!(" ({})", esc(f)))
                .unwrap_or_default();
            format!("{}{format}", esc(t))
        }
        Value::Array(ts) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(esc)
            .collect::<Vec<_>>()
            .join(" | "),
        _ => "object".into(),
    }
}

fn operation(out: &mut String, method: &str, path: &str, op: &Value) {
    let anchor = format!("{method}-{}", path.replace(['/', '{', '}'], "-"));
    let _ = write!(
        out,
        "<section class=\"op\" id=\"{}\"><h3><span class=\"method {method}\">{}</span> <code>{}</code></h3>",
        esc(&anchor),
        method.to_uppercase(),
        esc(path)
    );
    for key in ["summary", "description"] {
        if let Some(text) = op[key].as_str() {
            let _ = write!(out, "<p>{}</p>", prose(text));
        }
    }
    let scopes: Vec<String> = op["security"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["api_key"].as_array())
        .flatten()
        .filter_map(Value::as_str)
        .map(|s| format!("<code>{}</code>", esc(s)))
        .collect();
    if !scopes.is_empty() {
        let _ = write!(
            out,
            "<p class=\"scopes\">API key scope: {}</p>",
            scopes.join(", ")
        );
    }
    if let Some(params) = op["parameters"].as_array().filter(|p| !p.is_empty()) {
        out.push_str("<table><caption>Parameters</caption><tr><th>Name</th><th>In</th><th>Type</th><th>Description</th></tr>");
        for p in params {
            let _ = write!(
                out,
                "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(p["name"].as_str().unwrap_or_default()),
                if p["required"].as_bool() == Some(true) {
                    " <span class=\"req\">required</span>"
                } else {
                    ""
                },
                esc(p["in"].as_str().unwrap_or_default()),
                type_of(&p["schema"]),
                prose(p["description"].as_str().unwrap_or_default())
            );
        }
        out.push_str("</table>");
    }
    if let Some(body) = op["requestBody"]["content"]["application/json"]["schema"].as_object() {
        let _ = write!(
            out,
            "<p>Body: {}</p>",
            type_of(&Value::Object(body.clone()))
        );
    }
    if let Some(responses) = op["responses"].as_object() {
        out.push_str("<table><caption>Answers</caption><tr><th>Status</th><th>Body</th><th>Meaning</th></tr>");
        for (status, r) in responses {
            let body = r["content"]["application/json"]["schema"]
                .as_object()
                .map(|s| type_of(&Value::Object(s.clone())));
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(status),
                body.unwrap_or_default(),
                prose(r["description"].as_str().unwrap_or_default())
            );
        }
        out.push_str("</table>");
    }
    out.push_str("</section>");
}

fn schema(out: &mut String, name: &str, s: &Value) {
    let _ = write!(
        out,
        "<section class=\"schema\" id=\"schema-{0}\"><h3>{0}</h3>",
        esc(name)
    );
    if let Some(text) = s["description"].as_str() {
        let _ = write!(out, "<p>{}</p>", prose(text));
    }
    let required: Vec<&str> = s["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if let Some(props) = s["properties"].as_object() {
        out.push_str("<table><tr><th>Field</th><th>Type</th><th>Description</th></tr>");
        for (field, p) in props {
            let _ = write!(
                out,
                "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td></tr>",
                esc(field),
                if required.contains(&field.as_str()) {
                    " <span class=\"req\">required</span>"
                } else {
                    ""
                },
                type_of(p),
                prose(p["description"].as_str().unwrap_or_default())
            );
        }
        out.push_str("</table>");
    }
    out.push_str("</section>");
}

/// Renders the whole document.
pub fn render(spec: &Value) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let title = esc(spec["info"]["title"].as_str().unwrap_or("API"));
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><link rel=\"stylesheet\" href=\"/api/docs.css\"></head><body><main>\
         <h1>{title}</h1><p>{}</p><p>The machine-readable document: <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a> (OpenAPI {}).</p>\
         <p>Authenticate with <code>Authorization: Bearer &lt;API key&gt;</code>. Make keys on your profile page (API keys), or with <code>opsknight apikey create</code>.</p><nav><h2>Contents</h2><ul>",
        prose(spec["info"]["description"].as_str().unwrap_or_default()),
        esc(spec["openapi"].as_str().unwrap_or_default())
    );
    let paths = spec["paths"].as_object().cloned().unwrap_or_default();
    for (path, item) in &paths {
        for m in METHODS.iter().filter(|m| item.get(**m).is_some()) {
            let _ = write!(
                out,
                "<li><a href=\"#{m}-{}\"><span class=\"method {m}\">{}</span> {}</a></li>",
                esc(&path.replace(['/', '{', '}'], "-")),
                m.to_uppercase(),
                esc(path)
            );
        }
    }
    out.push_str("</ul></nav><h2>Operations</h2>");
    for (path, item) in &paths {
        for m in METHODS {
            if let Some(op) = item.get(m) {
                operation(&mut out, m, path, op);
            }
        }
    }
    out.push_str("<h2>Schemas</h2>");
    if let Some(schemas) = spec["components"]["schemas"].as_object() {
        for (name, s) in schemas {
            schema(&mut out, name, s);
        }
    }
    out.push_str("</main></body></html>");
    out
}

pub async fn stylesheet() -> Response {
    let mut res = include_str!("../../../style/api-docs.css").into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_escapes_and_sets_backticks_as_code() {
        assert_eq!(
            prose("send `If-Match` <here>"),
            "send <code>If-Match</code> &lt;here&gt;"
        );
    }
}
