-- PostgreSQL twin of ../013_event_log_session_scan.sql.
DROP INDEX event_log_session;
