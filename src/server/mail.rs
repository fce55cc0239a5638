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
    #[error("the recipient is not an address")]
    Recipient,
    #[error("the message could not be built")]
    Build(#[from] lettre::error::Error),
    #[error("the SMTP server did not take the message")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("SMTP: the delivery took too long")]
    TooSlow,
}

impl MailError {
    /// What went wrong, for the logs and the outbox's `last_error`: never the addresses or the
    /// server's words, which may repeat them.
    pub fn describe(&self) -> String {
        match self {
            MailError::Smtp(e) if e.is_timeout() => "SMTP: timed out".to_owned(),
            MailError::Smtp(e) => match e.status() {
                Some(code) => format!("SMTP: the server answered {code}"),
                None if e.is_tls() => "SMTP: TLS failed".to_owned(),
                None => "SMTP: no connection".to_owned(),
            },
            other => other.to_string(),
        }
    }
}

/// How long one step of a delivery (connecting, one SMTP command) may take.
const SEND_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a whole delivery may take before it counts as failed (and is retried later): well
/// inside the outbox's lease, so no other node takes the job while it is being sent.
pub const DELIVERY_LIMIT: Duration = Duration::from_secs(30);

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
        let to: Mailbox = mail.to.parse().map_err(|_| MailError::Recipient)?;
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
        tokio::time::timeout(DELIVERY_LIMIT, self.transport.send(message))
            .await
            .map_err(|_| MailError::TooSlow)??;
        Ok(())
    }
}
