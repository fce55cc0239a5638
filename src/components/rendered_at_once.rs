//! A view whose data is all there, written into one string on the server.
//!
//! A page that waits for its data (`SsrMode::Async`) is rendered by leptos' streaming path,
//! which gives every element a fresh `String` for its opening tag and another for its closing
//! tag, grows each one attribute by attribute and then copies it into the stream: for a table
//! of 20 users, over a thousand reallocations a request. Once a page's resources have
//! resolved, what is left to render has nothing to wait for, and leptos' plain path writes it
//! all into one buffer. The HTML is the same either way (the same markers for hydration), so
//! the browser hydrates it as usual.
//!
//! Only for views with no `Suspense` or `Transition` inside: the plain path renders a pending
//! suspense as its fallback instead of waiting for it.

use leptos::prelude::IntoView;

/// `view`, rendered at once on the server (see the module's documentation); in the browser,
/// `view` itself.
pub fn rendered_at_once<V: IntoView>(view: V) -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        server::AtOnce(view)
    }
    #[cfg(not(feature = "ssr"))]
    {
        view
    }
}

#[cfg(feature = "ssr")]
mod server {
    use leptos::tachys::{
        html::attribute::{any_attribute::AnyAttribute, Attribute},
        hydration::Cursor,
        ssr::StreamBuilder,
        view::{add_attr::AddAnyAttr, Position, PositionState, Render, RenderHtml},
    };

    pub struct AtOnce<V>(pub V);

    impl<V: Render> Render for AtOnce<V> {
        type State = V::State;

        fn build(self) -> Self::State {
            self.0.build()
        }

        fn rebuild(self, state: &mut Self::State) {
            self.0.rebuild(state)
        }
    }

    impl<V: RenderHtml> RenderHtml for AtOnce<V> {
        type AsyncOutput = AtOnce<V::AsyncOutput>;
        type Owned = AtOnce<V::Owned>;

        const MIN_LENGTH: usize = V::MIN_LENGTH;
        const EXISTS: bool = V::EXISTS;

        fn dry_resolve(&mut self) {
            self.0.dry_resolve();
        }

        async fn resolve(self) -> Self::AsyncOutput {
            AtOnce(self.0.resolve().await)
        }

        fn to_html_with_buf(
            self,
            buf: &mut String,
            position: &mut Position,
            escape: bool,
            mark_branches: bool,
            extra_attrs: Vec<AnyAttribute>,
        ) {
            self.0
                .to_html_with_buf(buf, position, escape, mark_branches, extra_attrs);
        }

        fn to_html_async_with_buf<const OUT_OF_ORDER: bool>(
            self,
            buf: &mut StreamBuilder,
            position: &mut Position,
            escape: bool,
            mark_branches: bool,
            extra_attrs: Vec<AnyAttribute>,
        ) where
            Self: Sized,
        {
            // The estimate counts only the markup's fixed parts: room for the text too.
            let mut html = String::with_capacity(self.0.html_len().max(1024) * 2);
            self.0
                .to_html_with_buf(&mut html, position, escape, mark_branches, extra_attrs);
            buf.push_sync(&html);
        }

        fn hydrate<const FROM_SERVER: bool>(
            self,
            cursor: &Cursor,
            position: &PositionState,
        ) -> Self::State {
            self.0.hydrate::<FROM_SERVER>(cursor, position)
        }

        async fn hydrate_async(self, cursor: &Cursor, position: &PositionState) -> Self::State {
            self.0.hydrate_async(cursor, position).await
        }

        fn into_owned(self) -> Self::Owned {
            AtOnce(self.0.into_owned())
        }
    }

    impl<V: AddAnyAttr> AddAnyAttr for AtOnce<V> {
        type Output<SomeNewAttr: Attribute> = AtOnce<V::Output<SomeNewAttr>>;

        fn add_any_attr<NewAttr: Attribute>(self, attr: NewAttr) -> Self::Output<NewAttr>
        where
            Self::Output<NewAttr>: RenderHtml,
        {
            AtOnce(self.0.add_any_attr(attr))
        }
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use futures::StreamExt;
    use leptos::prelude::*;

    use super::rendered_at_once;

    /// Elements, attributes that need escaping, classes, optional parts, a list and a
    /// type-erased branch: what a page's data view is made of.
    fn table(rows: &[(&'static str, bool)]) -> impl IntoView {
        let rows = rows.to_vec();
        view! {
            <table class="data-table">
                <tbody>
                    {rows
                        .into_iter()
                        .map(|(name, verified)| view! {
                            <tr>
                                <td aria-label=format!("{name} \"선택\" <&>")>{name}</td>
                                <td class=("badge", verified)>
                                    {verified.then(|| view! { <span>"인증됨"</span> })}
                                </td>
                                {if verified {
                                    view! { <td>"✔"</td> }.into_any()
                                } else {
                                    "-".into_any()
                                }}
                            </tr>
                        })
                        .collect_view()}
                </tbody>
            </table>
        }
    }

    async fn streamed(view: impl IntoView, mark_branches: bool) -> String {
        let stream = if mark_branches {
            view.to_html_stream_in_order_branching()
        } else {
            view.to_html_stream_in_order()
        };
        stream.collect::<String>().await
    }

    #[tokio::test]
    async fn the_html_is_the_same_as_leptos_streaming_path_writes() {
        let _owner = Owner::new();
        let rows = [("김민준", true), ("<이서연>", false), ("", true)];

        for mark_branches in [false, true] {
            let plain = streamed(table(&rows), mark_branches).await;
            let at_once = streamed(rendered_at_once(table(&rows)), mark_branches).await;

            assert!(plain.contains("&lt;이서연&gt;"), "{plain}");
            assert_eq!(at_once, plain);
        }
    }
}
