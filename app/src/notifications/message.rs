//! What a page says: the email for one incident (plain text and HTML), with the incident
//! number, urgency, service, summary, a link to the incident and the one-click acknowledge link.

use crate::domain::{IncidentId, Urgency};

/// The facts a page carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageFacts {
    pub incident: IncidentId,
    pub number: i64,
    pub title: String,
    pub urgency: Urgency,
    pub service: String,
    pub to: String,
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The page email.
#[cfg(feature = "ssr")]
pub fn page_mail(f: &PageFacts, base_url: &str, ack_url: &str) -> crate::mail::Mail {
    let urgency = f.urgency.as_str();
    let link = format!("{base_url}/incidents/{}", f.incident);
    // Subjects are one line: control characters from alert text would break the header.
    let title: String = f
        .title
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let subject = format!("[{urgency}] #{} {} ({})", f.number, title, f.service);
    let body = format!(
        "OpsKnight is paging you.\n\n\
         Incident #{number}: {title}\n\
         Urgency: {urgency}\n\
         Service: {service}\n\n\
         Acknowledge (one click, then confirm):\n{ack_url}\n\n\
         Open the incident:\n{link}\n\n\
         Escalation continues until someone acknowledges.\n",
        number = f.number,
        service = f.service,
    );
    let (t, s, l, a) = (
        escape_html(&title),
        escape_html(&f.service),
        escape_html(&link),
        escape_html(ack_url),
    );
    let html = format!(
        "<!DOCTYPE html><html><body style=\"font-family:system-ui,sans-serif;line-height:1.4\">\
         <p style=\"margin:0 0 8px\"><strong style=\"color:{color}\">{urgency}</strong> · {s}</p>\
         <h1 style=\"font-size:18px;margin:0 0 12px\">#{number} {t}</h1>\
         <p><a href=\"{a}\" style=\"display:inline-block;padding:10px 16px;background:#1d4ed8;color:#fff;\
         text-decoration:none;border-radius:6px\">Acknowledge</a> &nbsp; <a href=\"{l}\">Open incident</a></p>\
         <p style=\"color:#555;font-size:13px\">Escalation continues until someone acknowledges.</p>\
         </body></html>",
        number = f.number,
        color = match f.urgency {
            Urgency::High => "#b91c1c",
            Urgency::Medium => "#b45309",
            Urgency::Low => "#475569",
        },
    );
    crate::mail::Mail {
        to: f.to.clone(),
        subject,
        body,
        html: Some(html),
        headers: Vec::new(),
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn carries_the_facts_and_escapes_html() {
        let f = PageFacts {
            incident: IncidentId::new(),
            number: 42,
            title: "Disk <full> & \"hot\"\r\nBcc: x".into(),
            urgency: Urgency::High,
            service: "Payments".into(),
            to: "ada@example.com".into(),
        };
        let m = page_mail(&f, "https://ok.example", "https://ok.example/ack?token=abc");
        assert!(m.subject.starts_with("[HIGH] #42 Disk <full>"));
        assert!(!m.subject.contains('\n') && !m.subject.contains('\r'));
        assert!(m.body.contains("Service: Payments"));
        assert!(m.body.contains("https://ok.example/ack?token=abc"));
        assert!(
            m.body
                .contains(&format!("https://ok.example/incidents/{}", f.incident))
        );
        let html = m.html.unwrap();
        assert!(html.contains("Disk &lt;full&gt; &amp; &quot;hot&quot;"));
        assert!(!html.contains("<full>"));
    }
}
