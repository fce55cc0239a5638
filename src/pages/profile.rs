use leptos::{either::Either, prelude::*};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{signup::StoreFields, verify_email::ResendVerification};
use crate::{
    components::{
        action_errors, rendered_at_once, Access, AccountNav, ErrorPage, Field, FormAlert,
        LiveValidation, Notice, RequireSignIn,
    },
    domain::{
        format_kst,
        forms::{FieldErrors, OwnerInput, StoreInput},
        Profile,
    },
    error::AppError,
    page_data::{data_view, page_resource},
};

/// The signed-in user's profile and store.
#[server(endpoint = "profile")]
pub async fn get_profile() -> Result<Profile, AppError> {
    use crate::server::{accounts, auth, context::respond};
    respond(async {
        let user = auth::require_user().await?;
        accounts::profile(&*auth::state()?, &user).await
    })
    .await
}

/// Changes the owner's name and phone number; a new phone number needs the current password.
#[server(endpoint = "profile/owner")]
pub async fn update_owner(
    #[server(flatten)] input: OwnerInput,
    // Not `current_password`: the e-mail form on the same page has that field (one id each).
    #[server(default)] phone_password: String,
) -> Result<(), AppError> {
    use crate::server::{
        accounts, auth,
        context::{respond, user_session},
    };
    respond(async move {
        let user = auth::require_user().await?;
        let kept = [
            ("name", input.name.as_str()),
            ("phone_number", input.phone_number.as_str()),
        ];
        let owner = input
            .parse()
            .map_err(|fields| AppError::invalid(fields).keeping(&kept))?;
        accounts::update_owner(
            &*auth::state()?,
            &user_session().await?,
            &user,
            &owner,
            &phone_password,
        )
        .await
        .map_err(|e| e.keeping(&kept))?;
        leptos_axum::redirect("/profile?saved=owner");
        Ok(())
    })
    .await
}

/// Starts a change of the sign-in e-mail (the current password is asked again): it takes effect
/// once the new address confirms it.
#[server(endpoint = "profile/email")]
pub async fn change_email(
    #[server(default)] email: String,
    #[server(default)] current_password: String,
) -> Result<(), AppError> {
    use crate::{
        domain::Email,
        server::{
            auth,
            context::{respond, user_session},
            email_addresses,
        },
    };
    respond(async move {
        let user = auth::require_user().await?;
        let kept = [("email", email.as_str())];
        let parsed =
            Email::parse(&email).map_err(|e| AppError::field("email", e).keeping(&kept))?;
        email_addresses::request_change(
            &*auth::state()?,
            &user_session().await?,
            &user,
            &parsed,
            &current_password,
        )
        .await
        .map_err(|e| e.keeping(&kept))?;
        leptos_axum::redirect("/profile?saved=email-pending");
        Ok(())
    })
    .await
}

/// Changes the store's details.
#[server(endpoint = "profile/store")]
pub async fn update_store(#[server(flatten)] input: StoreInput) -> Result<(), AppError> {
    use crate::server::{accounts, auth, context::respond};
    respond(async move {
        let user = auth::require_user().await?;
        let kept = [
            ("store_name", input.store_name.as_str()),
            ("industry", input.industry.as_str()),
            ("address", input.address.as_str()),
            ("business_hours", input.business_hours.as_str()),
        ];
        let store = input
            .parse()
            .map_err(|fields| AppError::invalid(fields).keeping(&kept))?;
        accounts::update_store(&*auth::state()?, &user, &store)
            .await
            .map_err(|e| e.keeping(&kept))?;
        leptos_axum::redirect("/profile?saved=store");
        Ok(())
    })
    .await
}

fn check_owner(input: &OwnerInput) -> FieldErrors {
    input.parse().err().unwrap_or_default()
}

fn check_store(input: &StoreInput) -> FieldErrors {
    input.parse().err().unwrap_or_default()
}

/// What the `saved` query parameter of a successful change says.
fn saved_message(saved: &str) -> Option<&'static str> {
    match saved {
        "owner" => Some("대표자 정보를 저장했습니다."),
        "email" => Some("로그인 이메일을 변경했습니다. 다음 로그인부터 새 이메일을 사용해 주세요."),
        "email-pending" => Some(
            "새 이메일로 확인 메일을 보냈습니다. 메일의 버튼을 누르거나 코드를 입력하면 변경이 끝납니다. 그때까지는 지금 이메일로 로그인합니다.",
        ),
        "verified" => Some("이메일 인증을 마쳤습니다. 감사합니다."),
        "store" => Some("매장 정보를 저장했습니다."),
        "password" => Some("비밀번호를 변경했습니다. 다른 기기의 로그인은 모두 종료되었습니다."),
        _ => None,
    }
}

#[component]
pub fn ProfilePage() -> impl IntoView {
    view! {
        <Title text="내 정보"/>
        <RequireSignIn access=Access::SignedIn let:_user>
            <ProfileContent/>
        </RequireSignIn>
    }
}

#[component]
fn ProfileContent() -> impl IntoView {
    let update_owner = ServerAction::<UpdateOwner>::new();
    let change_email = ServerAction::<ChangeEmail>::new();
    let update_store = ServerAction::<UpdateStore>::new();
    let query = use_query_map();
    let saved = Signal::derive(move || {
        query
            .read()
            .get("saved")
            .and_then(|s| saved_message(&s))
            .map(str::to_owned)
    });
    let profile = page_resource(
        move || {
            (
                update_owner.version().get(),
                change_email.version().get(),
                update_store.version().get(),
            )
        },
        |_| get_profile(),
    );
    view! {
        <main class="page">
            <h1>"내 정보"</h1>
            <AccountNav current="/profile"/>
            <Notice message=saved/>
            <Transition fallback=|| view! { <p class="loading">"불러오는 중…"</p> }>
                {data_view(move || Suspend::new(async move {
                    rendered_at_once(match profile.await {
                        Ok(profile) => Either::Left(view! {
                            <EmailStatus profile=profile.clone()/>
                            <ProfileSummary profile=profile.clone()/>
                            <OwnerForm action=update_owner profile=profile.clone()/>
                            <EmailForm action=change_email profile=profile.clone()/>
                            {profile.store.clone().map(|store| view! { <StoreForm action=update_store store/> })}
                        }),
                        Err(error) => Either::Right(view! { <ErrorPage error/> }),
                    })
                }))}
            </Transition>
        </main>
    }
}

/// An unverified address, or a new one waiting for its code: what to do next.
#[component]
fn EmailStatus(profile: Profile) -> impl IntoView {
    let resend = ServerAction::<ResendVerification>::new();
    let (resend_error, _) = action_errors(resend);
    view! {
        {(!profile.email_verified).then(|| view! {
            <section class="alert alert-warning" aria-labelledby="verify-title" data-testid="verify-banner">
                <h2 id="verify-title" class="alert-title">"이메일 인증이 필요합니다"</h2>
                <p>
                    {format!("{}(으)로 보낸 메일의 버튼을 누르거나 코드를 입력해 주세요. 인증해야 비밀번호를 잊었을 때 메일로 찾을 수 있습니다.", profile.email)}
                </p>
                <div class="alert-actions">
                    <a class="button button-small button-primary" href="/email/verify">"인증 코드 입력"</a>
                    <ActionForm action=resend attr:class="inline-form">
                        <button type="submit" class="button button-small" disabled=move || resend.pending().get()>
                            "메일 다시 받기"
                        </button>
                    </ActionForm>
                </div>
                <FormAlert error=resend_error/>
            </section>
        })}
        {profile.pending_email.map(|pending| view! {
            <section class="alert alert-info" aria-labelledby="pending-title" data-testid="pending-email">
                <h2 id="pending-title" class="alert-title">"새 로그인 이메일 확인 대기 중"</h2>
                <p>{format!("{pending}(으)로 보낸 메일의 버튼을 누르거나 코드를 입력하면 로그인 이메일이 바뀝니다.")}</p>
                <div class="alert-actions">
                    <a class="button button-small button-primary" href="/email/verify">"인증 코드 입력"</a>
                </div>
            </section>
        })}
    }
}

#[component]
fn ProfileSummary(profile: Profile) -> impl IntoView {
    let last_login = profile
        .last_login_at
        .as_ref()
        .map(format_kst)
        .unwrap_or_else(|| "기록 없음".to_owned());
    view! {
        <section class="card" aria-labelledby="summary-title">
            <h2 id="summary-title">"계정 요약"</h2>
            <dl class="details">
                <dt>"이름"</dt>
                <dd data-testid="profile-name">{profile.name}</dd>
                <dt>"이메일"</dt>
                <dd>
                    <span data-testid="signed-in-email">{profile.email}</span>
                    " "
                    {if profile.email_verified {
                        view! { <span class="badge badge-ok">"인증됨"</span> }.into_any()
                    } else {
                        view! { <span class="badge badge-warn">"미인증"</span> }.into_any()
                    }}
                </dd>
                <dt>"휴대폰 번호"</dt>
                <dd data-testid="profile-phone">{profile.phone_number}</dd>
                <dt>"권한"</dt>
                <dd>{profile.role.label()}</dd>
                <dt>"가입일"</dt>
                <dd>{format_kst(&profile.created_at)}</dd>
                <dt>"최근 로그인"</dt>
                <dd>{last_login}</dd>
                {profile.store.map(|store| view! {
                    <dt>"매장"</dt>
                    <dd data-testid="profile-store">{store.name}" · "{store.industry}</dd>
                })}
            </dl>
        </section>
    }
}

#[component]
fn SaveButton(pending: Signal<bool>, label: &'static str) -> impl IntoView {
    view! {
        <button type="submit" class="button button-primary" disabled=move || pending.get()>
            {move || if pending.get() { "저장하는 중…" } else { label }}
        </button>
    }
}

#[component]
fn OwnerForm(action: ServerAction<UpdateOwner>, profile: Profile) -> impl IntoView {
    let (error, server_errors) = action_errors(action);
    let live = LiveValidation::new(server_errors, check_owner);
    let errors = live.errors;
    view! {
        <section class="card" aria-labelledby="owner-title">
            <h2 id="owner-title">"대표자 정보"</h2>
            <ActionForm
                action
                attr:class="form"
                attr:novalidate=true
                on:input=move |ev| live.on_input(ev)
                on:focusout=move |ev| live.on_focusout(ev)
            >
                <FormAlert error/>
                <Field label="이름" name="name" autocomplete="name" required=true maxlength=100 value=profile.name errors/>
                <Field
                    label="휴대폰 번호"
                    name="phone_number"
                    kind="tel"
                    autocomplete="tel"
                    inputmode="tel"
                    required=true
                    value=profile.phone_number
                    errors
                />
                <Field
                    label="현재 비밀번호"
                    name="phone_password"
                    kind="password"
                    autocomplete="current-password"
                    hint="휴대폰 번호를 바꿀 때만 본인 확인을 위해 필요합니다."
                    errors
                />
                <SaveButton pending=action.pending().into() label="대표자 정보 저장"/>
            </ActionForm>
        </section>
    }
}

#[component]
fn EmailForm(action: ServerAction<ChangeEmail>, profile: Profile) -> impl IntoView {
    let (error, errors) = action_errors(action);
    view! {
        <section class="card" aria-labelledby="email-title">
            <h2 id="email-title">"로그인 이메일 변경"</h2>
            <p class="card-lead">
                "본인 확인을 위해 현재 비밀번호를 함께 입력해 주세요. 새 이메일로 보낸 확인 메일의 코드나 버튼으로 확인해야 변경이 끝납니다."
            </p>
            <ActionForm action attr:class="form" attr:novalidate=true>
                <FormAlert error/>
                <Field
                    label="새 이메일"
                    name="email"
                    kind="email"
                    autocomplete="email"
                    required=true
                    maxlength=255
                    value=profile.email
                    errors
                />
                <Field
                    label="현재 비밀번호"
                    name="current_password"
                    kind="password"
                    autocomplete="current-password"
                    required=true
                    errors
                />
                <SaveButton pending=action.pending().into() label="이메일 변경"/>
            </ActionForm>
        </section>
    }
}

#[component]
fn StoreForm(
    action: ServerAction<UpdateStore>,
    store: crate::domain::StoreProfile,
) -> impl IntoView {
    let (error, server_errors) = action_errors(action);
    let live = LiveValidation::new(server_errors, check_store);
    let errors = live.errors;
    view! {
        <section class="card" aria-labelledby="store-title">
            <h2 id="store-title">"매장 정보"</h2>
            <ActionForm
                action
                attr:class="form"
                attr:novalidate=true
                on:input=move |ev| live.on_input(ev)
                on:focusout=move |ev| live.on_focusout(ev)
            >
                <FormAlert error/>
                <StoreFields errors store/>
                <SaveButton pending=action.pending().into() label="매장 정보 저장"/>
            </ActionForm>
        </section>
    }
}
