/// Sets the page's Content-Security-Policy: scripts only from this site or inline with this
/// response's nonce (leptos puts it on its own inline scripts), WebAssembly allowed, no
/// plugins, no framing, forms only to this site. A no-op in the browser.
pub fn content_security_policy() {
    #[cfg(feature = "ssr")]
    {
        use leptos::prelude::use_context;
        let (Some(options), Some(nonce)) = (
            use_context::<leptos_axum::ResponseOptions>(),
            leptos::nonce::use_nonce(),
        ) else {
            return;
        };
        let policy = format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
             style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
             base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        );
        if let Ok(value) = http::HeaderValue::from_str(&policy) {
            options.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
}
