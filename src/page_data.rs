//! How a page's data travels with it to the browser that hydrates it.
//!
//! Leptos writes each resource's serialized value into the page as a JavaScript string
//! literal, escaped with Rust's `{:?}`. That escaping skips over ASCII quickly but looks every
//! other character up in Unicode's printable tables: for a page of Korean names it was a
//! quarter of the server's time per admin table page. [`AsciiJson`] writes the JSON with every
//! non-ASCII character as a `\uXXXX` escape, so the literal is ASCII; the browser's JSON parser
//! reads the escapes back into the same text.

use std::{future::Future, io};

use leptos::prelude::{IntoView, Resource, Suspend};
use leptos::server::codee::{Decoder, Encoder};
use serde::{de::DeserializeOwned, Serialize};

/// JSON with only ASCII characters in it (see the module's documentation).
pub struct AsciiJson;

impl<T: Serialize> Encoder<T> for AsciiJson {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, serde_json::Error> {
        let mut out = Vec::with_capacity(512);
        value.serialize(&mut serde_json::Serializer::with_formatter(
            &mut out,
            AsciiFormatter,
        ))?;
        String::from_utf8(out).map_err(<serde_json::Error as serde::ser::Error>::custom)
    }
}

impl<T: DeserializeOwned> Decoder<T> for AsciiJson {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(encoded: &str) -> Result<T, serde_json::Error> {
        serde_json::from_str(encoded)
    }
}

/// serde_json's compact output, with non-ASCII characters in strings escaped.
struct AsciiFormatter;

impl serde_json::ser::Formatter for AsciiFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // Most strings (e-mail addresses, ids, dates) are all ASCII: one quick check, one copy.
        if fragment.is_ascii() {
            return writer.write_all(fragment.as_bytes());
        }
        let mut rest = fragment;
        while let Some(at) = rest.bytes().position(|b| !b.is_ascii()) {
            writer.write_all(&rest.as_bytes()[..at])?;
            let Some(c) = rest[at..].chars().next() else {
                break;
            };
            let mut escaped = [0u8; 12];
            let mut len = 0;
            for unit in c.encode_utf16(&mut [0u16; 2]) {
                escaped[len..len + 6].copy_from_slice(&utf16_escape(*unit));
                len += 6;
            }
            writer.write_all(&escaped[..len])?;
            rest = &rest[at + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }
}

/// `\uXXXX` for one UTF-16 code unit.
fn utf16_escape(unit: u16) -> [u8; 6] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let u = usize::from(unit);
    [
        b'\\',
        b'u',
        HEX[u >> 12],
        HEX[(u >> 8) & 0xf],
        HEX[(u >> 4) & 0xf],
        HEX[u & 0xf],
    ]
}

/// A resource the page waits for before it is sent (its status and redirects depend on it),
/// and whose value goes to the browser as [`AsciiJson`].
pub fn page_resource<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Resource<T, AsciiJson>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: PartialEq + Clone + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    // Boxed at once: a server function's future holds its queries' futures and runs to
    // kilobytes, and the resource moves it by value through several layers before it first
    // polls it; a box moves as one pointer.
    Resource::new_with_options(source, move |s| Box::pin(fetcher(s)), true)
}

/// What a `Suspense` or `Transition` shows once the page's data is there: `make` gives a
/// `Suspend` that awaits the page's resources and builds the view from them.
///
/// In the browser it is `make` itself, run again whenever a resource it reads is refetched
/// (after a form is saved, say). On the server it is one `Suspend`, made once: the server walks
/// a suspense's children three times (twice to find the resources to wait for, then to render
/// them), and a closure would build the whole view, each component and signal in it, every
/// time; that was a third of a profile page's time. The HTML is the same either way: a closure
/// renders as exactly what it returns.
///
/// Branch inside it with `Either` or `EitherOfN`, not `into_any`: erasing the view's type
/// first converts all of it, every attribute and text, into owned copies, and on the user
/// table that was 9% of the server's time per page.
pub fn data_view<V>(make: impl Fn() -> Suspend<V> + Send + Sync + 'static) -> impl IntoView
where
    V: IntoView + 'static,
{
    #[cfg(feature = "ssr")]
    {
        make()
    }
    #[cfg(not(feature = "ssr"))]
    {
        make
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, serde::Deserialize)]
    struct Row {
        name: String,
        note: Option<String>,
    }

    #[test]
    fn korean_text_is_written_as_ascii_escapes_and_read_back_unchanged() {
        let row = Row {
            name: "김민준 \"사장\" <카페>".to_owned(),
            note: Some("emoji 🎉 and tab\t".to_owned()),
        };

        let encoded = <AsciiJson as Encoder<Row>>::encode(&row).unwrap();

        assert!(encoded.is_ascii(), "{encoded}");
        assert!(encoded.contains("\\uae40\\ubbfc\\uc900"), "{encoded}");
        assert!(
            encoded.contains("\\ud83c\\udf89"),
            "a surrogate pair: {encoded}"
        );
        let decoded: Row = <AsciiJson as Decoder<Row>>::decode(&encoded).unwrap();
        assert_eq!(decoded, row);
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&encoded).unwrap(),
            serde_json::to_value(&row).unwrap(),
            "the same JSON value as serde_json's own output"
        );
    }
}
