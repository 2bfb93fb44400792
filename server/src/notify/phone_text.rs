//! The text of an SMS page, whichever provider sends it: one incident with its reply code, or
//! several pages due to one number (a bundle) with a bundle code that acts on all of them.

use app::db::Db;
use app::mail::SendError;
use app::notifications::message::PageFacts;

use super::channel::Page;

/// The page's text; reply codes are issued on the way (so a failure here is temporary).
pub async fn page_text(pool: &Db, page: &Page, public_url: &str) -> Result<String, SendError> {
    let facts = &page.facts;
    if page.bundle.is_empty() {
        let code =
            app::phone::store::issue_code(pool, &facts.to, facts.incident, page.user, page.now)
                .await
                .map_err(|e| SendError::temporary(format!("reply code: {e}")))?;
        let link = format!("{public_url}/m/incidents/{}", facts.incident);
        return Ok(app::phone::page_sms(facts, &link, code));
    }
    let mut all: Vec<&PageFacts> = vec![facts];
    all.extend(page.bundle.iter().map(|m| &m.facts));
    all.sort_by_key(|f| f.number);
    all.dedup_by_key(|f| f.incident);
    let code = bundle_code(pool, page).await?;
    Ok(app::phone::bundle_sms(
        &all,
        &format!("{public_url}/m"),
        code,
    ))
}

/// A bundle code for every page `page` carries (and the open incidents coded at its number).
pub async fn bundle_code(pool: &Db, page: &Page) -> Result<Option<(u32, usize)>, SendError> {
    let pages: Vec<_> = std::iter::once((page.facts.incident, page.user))
        .chain(page.bundle.iter().map(|m| (m.facts.incident, m.user)))
        .collect();
    app::phone::store::issue_bundle(pool, &page.facts.to, &pages, page.now)
        .await
        .map_err(|e| SendError::temporary(format!("bundle code: {e}")))
}
