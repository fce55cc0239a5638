//! Outbound e-mail over SMTP. Nothing is sent from a request: a mail is written to the outbox
//! in the transaction of the change it tells about, and the outbox worker sends it here, with
//! retries, so an SMTP outage loses nothing and never fails the user's request.

use std::time::Duration;

use lettre::{
    message::{header::ContentType, Mailbox, MultiPart, SinglePart},
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use super::config::{redact_url, MailSettings};

/// One message, ready to send: plain text for every client and HTML for those that show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("SMTP_URL {0} is not usable: {1}")]
    Config(String, String),
    #[error("the recipient {0:?} is not an address")]
    Recipient(String),
    #[error("the message could not be built")]
    Build(#[from] lettre::error::Error),
    #[error("the SMTP server did not take the message")]
    Smtp(#[from] lettre::transport::smtp::Error),
}

/// How long one delivery may take before it counts as failed (and is retried later).
const SEND_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    pub fn new(settings: &MailSettings) -> Result<Self, MailError> {
        let url = settings.smtp_url.expose_secret();
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailError::Config(redact_url(url), e.to_string()))?
            .timeout(Some(SEND_TIMEOUT))
            .build();
        let from = settings
            .from
            .parse()
            .map_err(|e: lettre::address::AddressError| {
                MailError::Config(settings.from.clone(), e.to_string())
            })?;
        Ok(Self { transport, from })
    }

    pub async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|_| MailError::Recipient(mail.to.clone()))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&mail.subject)
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(mail.text.clone()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(mail.html.clone()),
                    ),
            )?;
        self.transport.send(message).await?;
        Ok(())
    }
}
