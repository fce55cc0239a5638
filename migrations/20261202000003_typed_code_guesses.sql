-- Ten wrong guesses at a typed code stop that code being typed, but not the mail's link: a
-- stranger guessing must not be able to kill the link in the owner's mailbox.
ALTER TABLE one_time_codes ADD COLUMN code_locked_at TIMESTAMPTZ;
