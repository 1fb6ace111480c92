// The page's shared state: who is signed in and what the app knows about them.

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

// may is what the server says the user may do (GET /me's "may", from the server's own
// policy): the app decides its screens, tabs and buttons from it and spells no role. A user
// kept on the phone from before it was sent may do nothing more until /me answers.
export function may(u = state.user) {
  const m = (u && u.may) || {};
  return { ...m, review_rooms: m.review_rooms || [], collect_rooms: m.collect_rooms || [], convene_rooms: m.convene_rooms || [], publish_rooms: m.publish_rooms || [] };
}

// collects tells whether the user collects opinions in the room, or in any room.
export function collects(roomId) {
  const rooms = may().collect_rooms;
  return roomId ? rooms.includes(roomId) : rooms.length > 0;
}

export function convenes(roomId) {
  return may().convene_rooms.includes(roomId);
}

// mayReview tells whether the user's body may review topics of the room.
export function mayReview(roomId) {
  const m = may();
  return !!m.review_all_rooms || m.review_rooms.includes(roomId);
}

// administers tells whether the user has the admin screens.
export function administers(u = state.user) {
  return !!may(u).administer;
}

export function roomName(roomId) {
  const r = state.rooms.find((x) => x.id === roomId);
  return r ? r.name : '';
}

// countyView tells whether the user sees the county dashboard and ledgers.
export function countyView(u = state.user) {
  return !!may(u).see_county;
}
