-- A resident's verdict (群众评价) on a closed topic, given by the receipt code of their
-- opinion: one per opinion, changeable for a while after it was first given. The comment is
-- the resident's own words and is shown only to those who see the topic.
CREATE TABLE ratings (
  opinion_id VARCHAR(36) NOT NULL PRIMARY KEY,
  topic_id VARCHAR(36) NOT NULL,
  room_id VARCHAR(36) NOT NULL,
  rating VARCHAR(24) NOT NULL,
  comment VARCHAR(1000) NOT NULL DEFAULT '',
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  CONSTRAINT ratings_opinion_fk FOREIGN KEY (opinion_id) REFERENCES opinions (id),
  CONSTRAINT ratings_topic_fk FOREIGN KEY (topic_id) REFERENCES topics (id),
  CONSTRAINT ratings_room_fk FOREIGN KEY (room_id) REFERENCES rooms (id)
);
CREATE INDEX ratings_room ON ratings (room_id, rating);
CREATE INDEX ratings_topic ON ratings (topic_id);
