//! The email paging channel: the page as a mail with its acknowledge link, sent through the
//! mailer Settings (or OPSKNIGHT_SMTP_URL) configure, looked up per page so a settings change
//! applies at once.

use std::sync::Arc;

use app::db::Db;
use app::mail::{MailerSource, SendError};
use app::secrets::Keyring;

use super::channel::{Channel, Delivered, Page, SendFuture};

pub struct EmailChannel {
    pub pool: Db,
    pub keys: Arc<Keyring>,
    pub mailer: MailerSource,
    pub public_url: String,
}

impl Channel for EmailChannel {
    fn send<'a>(&'a self, page: &'a Page) -> SendFuture<'a> {
        Box::pin(async move {
            let mailer = match self.mailer.current(&self.pool, &self.keys).await {
                Ok(Some(mailer)) => mailer,
                Ok(None) => {
                    return Err(SendError::permanent(
                        "email is not configured (Settings, or OPSKNIGHT_SMTP_URL)",
                    ));
                }
                Err(e) => return Err(SendError::temporary(format!("email settings: {e}"))),
            };
            let mail = app::notifications::message::page_mail(
                &page.facts,
                &self.public_url,
                &page.ack_url,
            );
            mailer.send(mail).await?;
            Ok(Delivered::default())
        })
    }
}
