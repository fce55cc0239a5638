//! The e-mails the service sends, in Korean, each as plain text and as HTML from one
//! description (so the two never say different things). The HTML is rendered by leptos, which
//! escapes what users typed (a name, say) like it does on the pages.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use super::{mail::Mail, one_time_codes::Issued};
use crate::domain::{format_kst, OneTimeCode};

const PRODUCT: &str = "이벤트 마케팅";

/// What a mail says, before it is written out as text and HTML.
struct Message {
    to: String,
    subject: String,
    greeting: String,
    lines: Vec<String>,
    code: Option<String>,
    /// A button in HTML, a bare link in text: (label, URL).
    action: Option<(String, String)>,
    /// Said last, smaller: who to contact if this was not you.
    notes: Vec<String>,
}

impl Message {
    fn new(to: &str, name: &str, subject: &str) -> Self {
        Self {
            to: to.to_owned(),
            subject: format!("[{PRODUCT}] {subject}"),
            greeting: format!("{name}님, 안녕하세요."),
            lines: Vec::new(),
            code: None,
            action: None,
            notes: Vec::new(),
        }
    }

    fn line(mut self, line: impl Into<String>) -> Self {
        self.lines.push(line.into());
        self
    }

    fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    fn code(mut self, code: &str) -> Self {
        self.code = Some(OneTimeCode::display(code));
        self
    }

    fn action(mut self, label: &str, url: String) -> Self {
        self.action = Some((label.to_owned(), url));
        self
    }

    fn render(self) -> Mail {
        let mut text = format!("{}\n\n", self.greeting);
        for line in &self.lines {
            text.push_str(line);
            text.push('\n');
        }
        if let Some(code) = &self.code {
            text.push_str(&format!("\n인증 코드: {code}\n"));
        }
        if let Some((label, url)) = &self.action {
            text.push_str(&format!("\n{label}: {url}\n"));
        }
        if !self.notes.is_empty() {
            text.push('\n');
            for note in &self.notes {
                text.push_str(note);
                text.push('\n');
            }
        }
        text.push_str(&format!("\n{PRODUCT} 드림\n"));
        let Message {
            to,
            subject,
            greeting,
            lines,
            code,
            action,
            notes,
        } = self;
        let html = view! {
            <div style="max-width:480px;margin:0 auto;padding:24px;font-family:'Apple SD Gothic Neo','Malgun Gothic',sans-serif;font-size:16px;line-height:1.6;color:#1f2328">
                <p style="margin:0 0 16px;font-size:14px;color:#59636e">{PRODUCT}</p>
                <p style="margin:0 0 12px">{greeting}</p>
                {lines.into_iter().map(|line| view! { <p style="margin:0 0 12px">{line}</p> }).collect_view()}
                {code.map(|code| view! {
                    <p style="margin:20px 0;font-size:32px;font-weight:700;letter-spacing:6px">{code}</p>
                })}
                {action.map(|(label, url)| view! {
                    <p style="margin:20px 0">
                        <a href=url style="display:inline-block;padding:14px 24px;border-radius:8px;background:#1a56db;color:#ffffff;text-decoration:none;font-weight:700">{label}</a>
                    </p>
                })}
                {notes.into_iter().map(|note| view! { <p style="margin:0 0 8px;font-size:14px;color:#59636e">{note}</p> }).collect_view()}
                <p style="margin:24px 0 0;font-size:14px;color:#59636e">{PRODUCT}" 드림"</p>
            </div>
        }
        .to_html();
        Mail {
            to,
            subject,
            text,
            html: format!("<!DOCTYPE html><html lang=\"ko\"><head><meta charset=\"utf-8\"></head><body>{html}</body></html>"),
        }
    }
}

const NOT_YOU: &str =
    "본인이 요청하지 않았다면 이 메일을 무시하셔도 됩니다. 계정은 그대로 안전합니다.";
const SECURE_YOUR_ACCOUNT: &str =
    "본인이 한 일이 아니라면 바로 비밀번호를 재설정하고 고객센터에 알려 주세요.";

fn minutes_left(issued: &Issued) -> i64 {
    (issued.expires_at - Utc::now()).num_minutes().max(1)
}

fn validity(issued: &Issued) -> String {
    let minutes = minutes_left(issued);
    if minutes >= 120 {
        format!("{}시간 동안 유효합니다", (minutes + 30) / 60)
    } else {
        format!("{minutes}분 동안 유효합니다")
    }
}

fn link(public_url: &str, path: &str, issued: &Issued) -> Option<String> {
    issued
        .link_token
        .as_ref()
        .map(|token| format!("{public_url}{path}?token={token}"))
}

pub fn password_reset(public_url: &str, to: &str, name: &str, issued: &Issued) -> Mail {
    let mut message = Message::new(to, name, "비밀번호 재설정 인증 코드")
        .line("비밀번호 재설정을 요청하셨습니다.")
        .line(format!(
            "아래 버튼을 누르거나, 재설정 화면에 인증 코드를 입력해 주세요. 코드와 링크는 {} (한 번만 사용할 수 있습니다).",
            validity(issued)
        ))
        .code(&issued.code);
    if let Some(url) = link(public_url, "/password/reset", issued) {
        message = message.action("비밀번호 재설정하기", url);
    }
    message.note(NOT_YOU).render()
}

pub fn email_verification(public_url: &str, to: &str, name: &str, issued: &Issued) -> Mail {
    let mut message = Message::new(to, name, "이메일 주소를 확인해 주세요")
        .line("가입해 주셔서 감사합니다. 이 주소가 사장님의 것인지 확인하려고 합니다.")
        .line(format!(
            "아래 버튼을 누르거나, 로그인한 뒤 인증 코드를 입력해 주세요. {}.",
            validity(issued)
        ))
        .code(&issued.code);
    if let Some(url) = link(public_url, "/email/verify", issued) {
        message = message.action("이메일 인증하기", url);
    }
    message.note(NOT_YOU).render()
}

pub fn email_change(public_url: &str, to: &str, name: &str, issued: &Issued) -> Mail {
    let mut message = Message::new(to, name, "새 로그인 이메일을 확인해 주세요")
        .line("로그인 이메일을 이 주소로 바꾸겠다는 요청을 받았습니다. 확인을 마치면 이 주소로 로그인하게 됩니다.")
        .line(format!(
            "아래 버튼을 누르거나, 내 정보 화면에 인증 코드를 입력해 주세요. {}.",
            validity(issued)
        ))
        .code(&issued.code);
    if let Some(url) = link(public_url, "/email/verify", issued) {
        message = message.action("새 이메일 확인하기", url);
    }
    message.note(NOT_YOU).render()
}

pub fn email_change_requested(to_old: &str, name: &str, new_email: &str) -> Mail {
    Message::new(to_old, name, "로그인 이메일 변경이 요청되었습니다")
        .line(format!(
            "계정의 로그인 이메일을 {} 주소로 바꾸겠다는 요청이 있었습니다. 새 주소에서 확인을 마치면 변경됩니다.",
            mask_email(new_email)
        ))
        .note("본인이 요청하지 않았다면 바로 비밀번호를 재설정해 주세요. 재설정하면 이 변경 요청은 취소됩니다.")
        .render()
}

pub fn email_changed(to_old: &str, name: &str, new_email: &str) -> Mail {
    Message::new(to_old, name, "로그인 이메일이 변경되었습니다")
        .line(format!(
            "계정의 로그인 이메일이 {} 주소로 변경되었습니다. 이 주소로는 더 이상 로그인할 수 없습니다.",
            mask_email(new_email)
        ))
        .note(SECURE_YOUR_ACCOUNT)
        .render()
}

/// How the password came to change, as the notice says it.
#[derive(Debug, Clone, Copy)]
pub enum PasswordChange {
    ByOwner,
    ByReset,
    ByOperator,
}

pub fn password_changed(to: &str, name: &str, how: PasswordChange, when: DateTime<Utc>) -> Mail {
    let how = match how {
        PasswordChange::ByOwner => "내 정보 화면에서",
        PasswordChange::ByReset => "비밀번호 재설정으로",
        PasswordChange::ByOperator => "서비스 운영자가",
    };
    Message::new(to, name, "비밀번호가 변경되었습니다")
        .line(format!(
            "{} 계정의 비밀번호가 {how} 변경되었습니다.",
            format_kst(&when)
        ))
        .line("안전을 위해 다른 모든 기기에서 로그아웃되었습니다.")
        .note(SECURE_YOUR_ACCOUNT)
        .render()
}

pub fn account_locked(public_url: &str, to: &str, name: &str, until: DateTime<Utc>) -> Mail {
    Message::new(to, name, "로그인 시도가 잠시 차단되었습니다")
        .line("처음 보는 기기에서 비밀번호가 여러 번 틀려, 안전을 위해 그런 기기의 로그인을 잠시 막았습니다.")
        .line(format!(
            "{}에 자동으로 풀립니다. 전에 로그인했던 기기에서는 지금도 로그인할 수 있습니다.",
            format_kst(&until)
        ))
        .action(
            "비밀번호 재설정하기",
            format!("{public_url}/password/forgot"),
        )
        .note("본인이 아니라면 누군가 비밀번호를 추측하고 있을 수 있습니다. 비밀번호를 재설정해 주세요.")
        .render()
}

pub fn new_sign_in(
    to: &str,
    name: &str,
    browser: &str,
    address: Option<&str>,
    when: DateTime<Utc>,
) -> Mail {
    let mut message = Message::new(to, name, "새 기기에서 로그인했습니다")
        .line("처음 보는 기기에서 계정에 로그인했습니다.")
        .line(format!("시각: {}", format_kst(&when)))
        .line(format!("기기: {browser}"));
    if let Some(address) = address {
        message = message.line(format!("접속 위치(IP): {address}"));
    }
    message
        .line("내 정보 > 로그인 기기에서 이 기기를 로그아웃시킬 수 있습니다.")
        .note(SECURE_YOUR_ACCOUNT)
        .render()
}

/// `ab***@example.com`: enough for the owner to recognise, little for anyone else.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let shown: String = local.chars().take(2).collect();
            format!("{shown}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issued(code: &str) -> Issued {
        Issued {
            code: code.to_owned(),
            link_token: Some("TOKEN".to_owned()),
            expires_at: Utc::now() + chrono::Duration::minutes(30),
        }
    }

    #[test]
    fn a_reset_mail_carries_the_code_and_the_link_in_both_parts() {
        let mail = password_reset("https://a.kr", "o@example.com", "김사장", &issued("123456"));
        assert!(mail.subject.contains("비밀번호 재설정"));
        for part in [&mail.text, &mail.html] {
            assert!(part.contains("123456"), "{part}");
            assert!(
                part.contains("https://a.kr/password/reset?token=TOKEN"),
                "{part}"
            );
        }
        assert!(
            mail.text.contains("30분") || mail.text.contains("29분"),
            "{}",
            mail.text
        );
    }

    #[test]
    fn what_users_typed_is_escaped_in_html() {
        let mail = email_verification(
            "https://a.kr",
            "o@example.com",
            "<b>김</b>",
            &issued("123456"),
        );
        assert!(mail.html.contains("&lt;b&gt;김&lt;/b&gt;"), "{}", mail.html);
        assert!(mail.text.contains("<b>김</b>님"));
    }

    #[test]
    fn addresses_are_masked_in_notices() {
        assert_eq!(mask_email("owner@example.com"), "ow***@example.com");
        assert_eq!(mask_email("k@example.com"), "k***@example.com");
    }
}
