-- Repeated failed sign-ins lock an account for a while (server::lockout). Such a lock ends by
-- itself at locked_until; a lock an admin sets has no end (NULL) and stays until lifted.
ALTER TABLE users ADD COLUMN locked_until TIMESTAMPTZ;
