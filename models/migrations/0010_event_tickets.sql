-- Tickets for the event stream: a browser's EventSource cannot send a header, so a client
-- trades its bearer token for a ticket carried in the URL. A row lives from issue to first
-- use, which deletes it: that makes a ticket single use on every instance.
CREATE TABLE event_tickets (
  nonce VARCHAR(64) NOT NULL PRIMARY KEY,
  user_id VARCHAR(36) NOT NULL,
  expires_at DATETIME(6) NOT NULL
);
CREATE INDEX event_tickets_expires ON event_tickets (expires_at);
