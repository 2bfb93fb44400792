//! Markdown to safe HTML, on the server. The Markdown is parsed with raw HTML turned into
//! escaped text (a `<script>` written in a section shows as the characters `<script>`), and
//! the HTML produced then goes through a whitelist sanitizer (ammonia): only known tags and
//! attributes, no event handlers, links only to http, https and mailto (a `javascript:` link
//! loses its target), every link `rel="noopener noreferrer nofollow"`.

use std::collections::HashSet;
use std::sync::OnceLock;

use pulldown_cmark::{Event, Options, Parser};

/// The sanitizer, built once.
fn sanitizer() -> &'static ammonia::Builder<'static> {
    static CLEAN: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEAN.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        b.url_schemes(HashSet::from(["http", "https", "mailto"]))
            .link_rel(Some("noopener noreferrer nofollow"));
        b
    })
}

/// `markdown` as sanitized HTML.
pub fn to_html(markdown: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let events = Parser::new_ext(markdown, options).map(|e| match e {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        other => other,
    });
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    sanitizer().clean(&html).to_string()
}

#[cfg(test)]
mod tests {
    use super::to_html;

    #[test]
    fn markdown_renders_and_scripts_do_not() {
        assert_eq!(
            to_html("**bold** _it_"),
            "<p><strong>bold</strong> <em>it</em></p>\n"
        );
        let html = to_html("<script>alert(1)</script>\n\nhi <b onclick=x()>there</b>");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<b "), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        let html = to_html("[click](javascript:alert(1)) [ok](https://example.com)");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains(r#"href="https://example.com""#), "{html}");
        assert!(html.contains("noopener"), "{html}");
    }
}
