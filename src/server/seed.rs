//! `user-service seed --users N`: realistic owners with stores for demos and benchmarks —
//! Korean names, phone numbers, industries and addresses, sign-ups spread over three years,
//! varied sign-ins and statuses — written with COPY in large batches.
//!
//! Every seeded owner's password is `SEED_PASSWORD` (one bcrypt hash shared by all: hashing a
//! million passwords would take days).

use std::{collections::HashSet, time::Instant};

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use rand::{rngs::StdRng, Rng, SeedableRng};
use sqlx::PgPool;
use uuid::Uuid;

pub const SEED_PASSWORD: &str = "seed-owner-pass-1";
const BATCH: usize = 50_000;
const EMAIL_DOMAINS: [&str; 5] = [
    "naver.com",
    "gmail.com",
    "daum.net",
    "kakao.com",
    "hanmail.net",
];

/// Surnames with their romanization, weighted roughly as in Korea (김 about a fifth).
const SURNAMES: [(&str, &str, u32); 20] = [
    ("김", "kim", 215),
    ("이", "lee", 147),
    ("박", "park", 84),
    ("최", "choi", 47),
    ("정", "jung", 43),
    ("강", "kang", 23),
    ("조", "cho", 21),
    ("윤", "yoon", 20),
    ("장", "jang", 19),
    ("임", "lim", 17),
    ("한", "han", 15),
    ("오", "oh", 15),
    ("서", "seo", 14),
    ("신", "shin", 14),
    ("권", "kwon", 14),
    ("황", "hwang", 13),
    ("안", "ahn", 13),
    ("송", "song", 13),
    ("류", "ryu", 12),
    ("홍", "hong", 11),
];
const GIVEN_NAMES: [(&str, &str); 30] = [
    ("민준", "minjun"),
    ("서연", "seoyeon"),
    ("도윤", "doyun"),
    ("서윤", "seoyun"),
    ("시우", "siwoo"),
    ("지우", "jiwoo"),
    ("하준", "hajun"),
    ("하은", "haeun"),
    ("주원", "juwon"),
    ("지유", "jiyu"),
    ("지호", "jiho"),
    ("수아", "sua"),
    ("예준", "yejun"),
    ("지민", "jimin"),
    ("건우", "gunwoo"),
    ("채원", "chaewon"),
    ("현우", "hyunwoo"),
    ("다은", "daeun"),
    ("영수", "youngsoo"),
    ("영희", "younghee"),
    ("철수", "chulsoo"),
    ("미경", "mikyung"),
    ("상훈", "sanghoon"),
    ("은정", "eunjung"),
    ("성민", "sungmin"),
    ("혜진", "hyejin"),
    ("동현", "donghyun"),
    ("수진", "sujin"),
    ("재훈", "jaehoon"),
    ("민지", "minji"),
];
/// Industries with words that make a store's name.
const INDUSTRIES: [(&str, [&str; 4]); 10] = [
    ("음식점", ["분식", "국밥", "식당", "한식당"]),
    ("카페", ["카페", "커피", "로스터리", "디저트 카페"]),
    ("베이커리", ["베이커리", "빵집", "제과", "브레드"]),
    ("주점", ["포차", "호프", "이자카야", "와인바"]),
    ("미용실", ["헤어", "미용실", "헤어살롱", "뷰티헤어"]),
    ("네일·뷰티", ["네일", "뷰티", "피부관리", "속눈썹"]),
    ("학원", ["수학학원", "영어학원", "피아노", "미술학원"]),
    ("소매점", ["마트", "문구", "꽃집", "편의점"]),
    ("헬스·필라테스", ["필라테스", "헬스", "요가", "PT"]),
    ("기타", ["세탁소", "사진관", "수선", "공방"]),
];
const STORE_PREFIXES: [&str; 12] = [
    "행복한",
    "골목",
    "우리동네",
    "정다운",
    "햇살",
    "달빛",
    "소문난",
    "새봄",
    "오늘의",
    "한결",
    "푸른",
    "동네",
];
const CITIES: [(&str, [&str; 4]); 6] = [
    ("서울특별시", ["마포구", "강남구", "성동구", "종로구"]),
    ("부산광역시", ["해운대구", "수영구", "부산진구", "동래구"]),
    ("대구광역시", ["중구", "수성구", "달서구", "북구"]),
    ("인천광역시", ["연수구", "남동구", "부평구", "서구"]),
    ("광주광역시", ["동구", "서구", "북구", "광산구"]),
    ("경기도 성남시", ["분당구", "수정구", "중원구", "분당구"]),
];
const STREETS: [&str; 8] = [
    "중앙로",
    "월드컵로",
    "해변로",
    "시장길",
    "문화로",
    "대학로",
    "역전로",
    "공원로",
];
const HOURS: [Option<&str>; 4] = [
    Some("매일 10:00-22:00"),
    Some("평일 09:00-18:00\n주말 휴무"),
    Some("화-일 11:00-21:00 (월요일 휴무)"),
    None,
];

/// What `user_search_text()` in the migrations computes, so seeding can skip the triggers.
/// A test checks that the two agree.
pub fn search_text(name: &str, email: &str, phone: &str, store_name: Option<&str>) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let mut parts = vec![name, email, phone, digits.as_str()];
    parts.extend(store_name);
    parts.join(" | ").to_lowercase()
}

struct Generator {
    rng: StdRng,
    taken_phones: HashSet<String>,
    taken_emails: HashSet<String>,
    now: DateTime<Utc>,
    surname_total: u32,
}

impl Generator {
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.random_range(0..items.len())]
    }

    fn surname(&mut self) -> (&'static str, &'static str) {
        let mut roll = self.rng.random_range(0..self.surname_total);
        for (hangul, roman, weight) in SURNAMES {
            if roll < weight {
                return (hangul, roman);
            }
            roll -= weight;
        }
        (SURNAMES[0].0, SURNAMES[0].1)
    }

    fn unique_phone(&mut self) -> String {
        loop {
            let n: u32 = self.rng.random_range(0..100_000_000);
            let phone = format!("010-{:04}-{:04}", n / 10_000, n % 10_000);
            if self.taken_phones.insert(phone.clone()) {
                return phone;
            }
        }
    }

    fn unique_email(&mut self, given: &str, surname: &str) -> String {
        loop {
            let number: u32 = self.rng.random_range(1..100_000);
            let domain = self.pick(&EMAIL_DOMAINS);
            let email = format!("{given}.{surname}{number}@{domain}");
            if self.taken_emails.insert(email.clone()) {
                return email;
            }
        }
    }
}

/// How long each part of a seed took.
#[derive(Debug, Clone, Copy)]
pub struct SeedTimes {
    /// Generating the owners and writing them (COPY).
    pub rows: std::time::Duration,
    /// Building the indexes and constraints that were set aside.
    pub indexes: std::time::Duration,
    /// `VACUUM ANALYZE` of both tables.
    pub vacuum: std::time::Duration,
}

pub async fn seed(db: &PgPool, users: u64, password_hash: &str) -> anyhow::Result<SeedTimes> {
    let generator = Generator {
        rng: StdRng::from_os_rng(),
        taken_phones: sqlx::query_scalar("SELECT phone_number FROM users")
            .fetch_all(db)
            .await?
            .into_iter()
            .collect(),
        taken_emails: sqlx::query_scalar("SELECT email FROM users")
            .fetch_all(db)
            .await?
            .into_iter()
            .collect(),
        now: Utc::now(),
        surname_total: SURNAMES.iter().map(|s| s.2).sum(),
    };
    let progress = ProgressBar::new(users);
    progress.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} owners ({per_sec}, {eta} left)")
            .context("progress bar template")?,
    );
    // Log lines (a slow statement, say) are written above the bar, not into it.
    let _logs = super::telemetry::log_above(&progress);
    let started = Instant::now();
    // One transaction: a seed either lands whole, with every index, or not at all. Large
    // seeds set the indexes (the unique ones too) and the stores' foreign key aside first and
    // build each once at the end, several times faster than maintaining them row by row; the
    // rebuilt unique indexes and the re-added key check every row then.
    let mut tx = db.begin().await?;
    sqlx::query("ALTER TABLE users DISABLE TRIGGER users_search_text")
        .execute(&mut *tx)
        .await?;
    sqlx::query("ALTER TABLE stores DISABLE TRIGGER stores_search_text")
        .execute(&mut *tx)
        .await?;
    let set_aside = if users >= 100_000 {
        SetAside::take_down(&mut tx).await?
    } else {
        SetAside::default()
    };
    // The owners are made on a thread of their own while the previous batch is being written:
    // PostgreSQL parses and stores one batch as the next is generated.
    let (batches, mut incoming) = tokio::sync::mpsc::channel::<(usize, Vec<u8>, Vec<u8>)>(2);
    let password_hash = password_hash.to_owned();
    let producer = tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let mut generator = generator;
        let mut made = 0u64;
        while made < users {
            let size = (users - made).min(BATCH as u64) as usize;
            let (users_csv, stores_csv) = generator.batch(size, &password_hash)?;
            if batches
                .blocking_send((size, users_csv, stores_csv))
                .is_err()
            {
                // The writer stopped (its error is the one reported).
                return Ok(());
            }
            made += size as u64;
        }
        Ok(())
    });
    let mut written = 0u64;
    while let Some((size, users_csv, stores_csv)) = incoming.recv().await {
        copy_batch(&mut tx, users_csv, stores_csv).await?;
        written += size as u64;
        progress.set_position(written);
    }
    producer.await.context("the owner generator stopped")??;
    progress.finish();
    let rows = started.elapsed();
    let started = Instant::now();
    if !set_aside.is_empty() {
        let indexing = ProgressBar::new(set_aside.len() as u64);
        indexing.set_style(
            ProgressStyle::with_template("{spinner} rebuilding indexes {pos}/{len} ({elapsed})")
                .context("progress bar template")?,
        );
        let _logs = super::telemetry::log_above(&indexing);
        set_aside.restore(&mut tx, || indexing.inc(1)).await?;
        indexing.finish();
    }
    sqlx::query("ALTER TABLE users ENABLE TRIGGER users_search_text")
        .execute(&mut *tx)
        .await?;
    sqlx::query("ALTER TABLE stores ENABLE TRIGGER stores_search_text")
        .execute(&mut *tx)
        .await?;
    tx.commit()
        .await
        .context("cannot commit the seeded owners")?;
    let indexes = started.elapsed();
    let started = Instant::now();
    // Fresh statistics for the planner, and a visibility map for index-only scans.
    sqlx::query("VACUUM ANALYZE users").execute(db).await?;
    sqlx::query("VACUUM ANALYZE stores").execute(db).await?;
    Ok(SeedTimes {
        rows,
        indexes,
        vacuum: started.elapsed(),
    })
}

/// The indexes (all but the primary keys) and the foreign keys of `users` and `stores`, as
/// the statements that drop them and build them again.
#[derive(Default)]
struct SetAside {
    /// (drop, create) for each index.
    indexes: Vec<(String, String)>,
    /// (drop, add) for each foreign key.
    foreign_keys: Vec<(String, String)>,
}

impl SetAside {
    async fn take_down(tx: &mut sqlx::PgConnection) -> anyhow::Result<Self> {
        // Primary keys stay (the foreign keys of other tables point at them), and so do
        // indexes that back a constraint, which DROP INDEX cannot remove.
        let indexes: Vec<(String, String)> = sqlx::query_as(
            "SELECT format('DROP INDEX %s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid)
             FROM pg_index i
             WHERE i.indrelid IN ('users'::regclass, 'stores'::regclass) AND NOT i.indisprimary
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        )
        .fetch_all(&mut *tx)
        .await?;
        let foreign_keys: Vec<(String, String)> = sqlx::query_as(
            "SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname),
                    format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname,
                           pg_get_constraintdef(oid))
             FROM pg_constraint
             WHERE contype = 'f' AND conrelid IN ('users'::regclass, 'stores'::regclass)",
        )
        .fetch_all(&mut *tx)
        .await?;
        for (drop, _) in foreign_keys.iter().chain(&indexes) {
            sqlx::query(drop).execute(&mut *tx).await?;
        }
        Ok(Self {
            indexes,
            foreign_keys,
        })
    }

    fn len(&self) -> usize {
        self.indexes.len() + self.foreign_keys.len()
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Builds the indexes, then adds the foreign keys back (each checked in one pass).
    async fn restore(
        &self,
        tx: &mut sqlx::PgConnection,
        mut done_one: impl FnMut(),
    ) -> anyhow::Result<()> {
        sqlx::query("SET LOCAL maintenance_work_mem = '256MB'")
            .execute(&mut *tx)
            .await?;
        for (_, create) in self.indexes.iter().chain(&self.foreign_keys) {
            sqlx::query(create).execute(&mut *tx).await?;
            done_one();
        }
        Ok(())
    }
}

impl Generator {
    fn batch(&mut self, size: usize, password_hash: &str) -> anyhow::Result<(Vec<u8>, Vec<u8>)> {
        let mut users = csv::Writer::from_writer(Vec::with_capacity(size * 300));
        let mut stores = csv::Writer::from_writer(Vec::with_capacity(size * 200));
        let three_years = Duration::days(3 * 365).num_seconds();
        for _ in 0..size {
            let id = Uuid::new_v4();
            let (surname, surname_roman) = self.surname();
            let (given, given_roman) = *self.pick(&GIVEN_NAMES);
            let created_at = self.now - Duration::seconds(self.rng.random_range(0..three_years));
            let since_created = (self.now - created_at).num_seconds().max(1);
            let last_login_at = (self.rng.random_range(0..100) < 80)
                .then(|| created_at + Duration::seconds(self.rng.random_range(0..since_created)));
            let status = match self.rng.random_range(0..100) {
                0..=89 => "ACTIVE",
                90..=94 => "INACTIVE",
                95..=97 => "LOCKED",
                _ => "WITHDRAWN",
            };
            let (industry, words) = *self.pick(&INDUSTRIES);
            let (city, districts) = *self.pick(&CITIES);
            let district = *self.pick(&districts);
            let street = *self.pick(&STREETS);
            let hours = *self.pick(&HOURS);
            let (name, email, phone, store_name, address) = if status == "WITHDRAWN" {
                let hex = id.simple().to_string();
                (
                    "탈퇴한 회원".to_owned(),
                    format!("withdrawn-{hex}@withdrawn.invalid"),
                    format!("W-{}", &hex[..18]),
                    "탈퇴한 회원의 매장".to_owned(),
                    "-".to_owned(),
                )
            } else {
                let word = *self.pick(&words);
                let store_name = if self.rng.random_bool(0.5) {
                    format!("{} {word}", self.pick(&STORE_PREFIXES))
                } else {
                    format!("{given}네 {word}")
                };
                (
                    format!("{surname}{given}"),
                    self.unique_email(given_roman, surname_roman),
                    self.unique_phone(),
                    store_name,
                    format!(
                        "{city} {district} {street} {}",
                        self.rng.random_range(1..300)
                    ),
                )
            };
            let search = search_text(&name, &email, &phone, Some(&store_name));
            let created = created_at.to_rfc3339();
            let last_login = last_login_at.map(|t| t.to_rfc3339()).unwrap_or_default();
            let updated = last_login_at.unwrap_or(created_at).to_rfc3339();
            // Nine in ten confirmed their address, most within the hour they signed up.
            let verified = if self.rng.random_range(0..10) < 9 {
                (created_at + Duration::minutes(self.rng.random_range(1..90))).to_rfc3339()
            } else {
                String::new()
            };
            users.write_record([
                id.to_string().as_str(),
                &name,
                &phone,
                &email,
                password_hash,
                "OWNER",
                status,
                &last_login,
                &created,
                &updated,
                &search,
                &verified,
            ])?;
            stores.write_record([
                id.to_string().as_str(),
                &store_name,
                if status == "WITHDRAWN" { "-" } else { industry },
                &address,
                if status == "WITHDRAWN" {
                    ""
                } else {
                    hours.unwrap_or("")
                },
                &created,
                &created,
            ])?;
        }
        Ok((users.into_inner()?, stores.into_inner()?))
    }
}

/// One batch of owners and their stores, with the search text precomputed (the triggers that
/// would compute it are off during the seed).
async fn copy_batch(
    tx: &mut sqlx::PgConnection,
    users: Vec<u8>,
    stores: Vec<u8>,
) -> anyhow::Result<()> {
    let mut copy = tx
        .copy_in_raw(
            "COPY users (id, name, phone_number, email, password_hash, role, status, last_login_at,
                         created_at, updated_at, search_text, email_verified_at)
             FROM STDIN (FORMAT csv)",
        )
        .await?;
    copy.send(users).await?;
    copy.finish().await?;
    let mut copy = tx
        .copy_in_raw(
            "COPY stores (user_id, name, industry, address, business_hours, created_at, updated_at)
             FROM STDIN (FORMAT csv)",
        )
        .await?;
    copy.send(stores).await?;
    copy.finish().await?;
    Ok(())
}
