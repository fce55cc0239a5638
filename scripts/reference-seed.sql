-- The reference for `user-service seed`: the same owners and stores written in plain SQL, as
-- a DBA would load a fresh database, into the app's schema (`user-service migrate` first) and
-- ending with the same indexes and constraints. scripts/seed-bench.sh times the two side by
-- side:
--
--   psql "$DATABASE_URL" -v users=1000000 -f scripts/reference-seed.sql
--
-- Like the app's seed: one transaction, the search-text triggers off (the text is computed
-- here), indexes and the stores -> users foreign key dropped first and built once at the end,
-- then VACUUM ANALYZE. Names, e-mails (unique by construction), phone numbers (a permutation
-- of 0..10^8, so unique), industries, addresses, three years of sign-ups, 80% with a sign-in,
-- 90/5/3/2% ACTIVE/INACTIVE/LOCKED/WITHDRAWN.
\set ON_ERROR_STOP on
\timing on

BEGIN;
SET LOCAL maintenance_work_mem = '256MB';
ALTER TABLE users DISABLE TRIGGER users_search_text;
ALTER TABLE stores DISABLE TRIGGER stores_search_text;

CREATE TEMP TABLE rebuild ON COMMIT DROP AS
    SELECT indexname AS name, indexdef AS definition FROM pg_indexes
    WHERE schemaname = current_schema() AND tablename IN ('users', 'stores')
      AND indexname NOT IN ('users_pkey', 'stores_pkey');
ALTER TABLE stores DROP CONSTRAINT stores_user_id_fkey;
SELECT format('DROP INDEX %I', name) FROM rebuild \gexec

INSERT INTO users (id, name, phone_number, email, password_hash, role, status, last_login_at,
                   created_at, updated_at, search_text, email_verified_at)
SELECT id, name, phone, email,
       -- bcrypt of seed-owner-pass-1 (cost 4, made with pgcrypto), shared by every owner
       '$2a$04$1kcbxlQSMk9490xSnBL6Iu60NuPLiiIKAufQP8NuoyNh5tIODk7n2',
       'OWNER', status, last_login_at, created_at, coalesce(last_login_at, created_at),
       lower(concat_ws(' | ', name, email, phone, replace(phone, '-', ''), store_name)),
       CASE WHEN random() < 0.9 THEN created_at + random() * interval '90 minutes' END
FROM (
    SELECT g.id, g.status, g.created_at, g.last_login_at,
           CASE WHEN g.status = 'WITHDRAWN' THEN '탈퇴한 회원' ELSE g.surname || g.given END AS name,
           CASE WHEN g.status = 'WITHDRAWN' THEN 'withdrawn-' || replace(g.id::text, '-', '') || '@withdrawn.invalid'
                ELSE g.given_roman || '.' || g.surname_roman || g.n || '@' ||
                     (ARRAY['naver.com', 'gmail.com', 'daum.net', 'kakao.com', 'hanmail.net'])[1 + g.n % 5]
           END AS email,
           CASE WHEN g.status = 'WITHDRAWN' THEN 'W-' || left(replace(g.id::text, '-', ''), 18)
                ELSE '010-' || lpad((g.perm / 10000)::text, 4, '0') || '-' || lpad((g.perm % 10000)::text, 4, '0')
           END AS phone,
           CASE WHEN g.status = 'WITHDRAWN' THEN '탈퇴한 회원의 매장'
                ELSE g.given || '네 ' || g.word END AS store_name
    FROM (
        SELECT n, gen_random_uuid() AS id,
               (n::bigint * 48271) % 100000000 AS perm,
               (ARRAY['김','이','박','최','정','강','조','윤','장','임'])[1 + (n * 7) % 10] AS surname,
               (ARRAY['kim','lee','park','choi','jung','kang','cho','yoon','jang','lim'])[1 + (n * 7) % 10] AS surname_roman,
               (ARRAY['민준','서연','도윤','서윤','시우','지우','하준','하은','주원','지유'])[1 + (n * 13) % 10] AS given,
               (ARRAY['minjun','seoyeon','doyun','seoyun','siwoo','jiwoo','hajun','haeun','juwon','jiyu'])[1 + (n * 13) % 10] AS given_roman,
               (ARRAY['분식','카페','베이커리','포차','헤어','네일','수학학원','마트','필라테스','세탁소'])[1 + (n * 3) % 10] AS word,
               CASE WHEN r < 0.90 THEN 'ACTIVE' WHEN r < 0.95 THEN 'INACTIVE'
                    WHEN r < 0.98 THEN 'LOCKED' ELSE 'WITHDRAWN' END AS status,
               created_at,
               CASE WHEN random() < 0.8 THEN created_at + random() * (now() - created_at) END AS last_login_at
        FROM (SELECT n, random() AS r, now() - random() * interval '1095 days' AS created_at
              FROM generate_series(1, :users) AS n) s
    ) g
) u;

INSERT INTO stores (user_id, name, industry, address, business_hours, created_at, updated_at)
SELECT id,
       split_part(search_text, ' | ', 5),
       CASE WHEN status = 'WITHDRAWN' THEN '-'
            ELSE (ARRAY['음식점','카페','베이커리','주점','미용실','네일·뷰티','학원','소매점','헬스·필라테스','기타'])[1 + abs(hashtext(id::text)) % 10] END,
       CASE WHEN status = 'WITHDRAWN' THEN '-'
            ELSE (ARRAY['서울특별시 마포구','부산광역시 해운대구','대구광역시 중구','인천광역시 연수구','광주광역시 동구','경기도 성남시 분당구'])[1 + abs(hashtext(id::text)) % 6]
                 || ' 중앙로 ' || (1 + abs(hashtext(id::text)) % 299) END,
       CASE WHEN status = 'WITHDRAWN' THEN NULL ELSE '매일 10:00-22:00' END,
       created_at, created_at
FROM users WHERE role = 'OWNER';

SELECT definition FROM rebuild \gexec
ALTER TABLE stores ADD CONSTRAINT stores_user_id_fkey
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE users ENABLE TRIGGER users_search_text;
ALTER TABLE stores ENABLE TRIGGER stores_search_text;
COMMIT;

VACUUM ANALYZE users;
VACUUM ANALYZE stores;
