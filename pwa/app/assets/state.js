// The page's shared state: who is signed in and what the app knows about them.

import { seesCounty } from './words.js';

export const state = {
  user: null, // the signed-in User with memberships
  rooms: [], // rooms the user can see, last known
  waiting: 0, // outbox items waiting to be sent
  refused: 0, // outbox items the server refused: the member must correct, retry or delete them
  unread: 0, // unread notices
};

// roomRole returns the user's role in a room, or ''.
export function roomRole(roomId) {
  const m = (state.user && state.user.memberships || []).find((x) => x.room_id === roomId);
  return m ? m.role : '';
}

export function collects() {
  return (state.user && state.user.memberships || []).some((m) => m.role === 'member' || m.role === 'convener');
}

export function convenes(roomId) {
  return roomRole(roomId) === 'convener';
}

// mayReview tells whether the user's body may review topics of the room.
export function mayReview(roomId) {
  const u = state.user;
  if (!u || u.role !== 'reviewer') return false;
  if (u.review_body === 'county') return true;
  return roomRole(roomId) === 'local_reviewer';
}

export function roomName(roomId) {
  const r = state.rooms.find((x) => x.id === roomId);
  return r ? r.name : '';
}

// countyView tells whether the user sees the county dashboard and ledgers: the server's
// own list of who sees the whole county (words.js).
export function countyView(u = state.user) {
  return seesCounty(u);
}
