// Every screen of the app, for the route table.

export { login } from './screens/login.js';
export { home, room, me } from './screens/home.js';
export { newOpinion, opinions } from './screens/opinions.js';
export { topics, topic, topicForm, reviewQueue } from './screens/topics.js';
export { notices } from './screens/notices.js';
export { admin, adminUsers, adminRooms, adminRoom } from './screens/admin.js';
export { receipt } from './screens/receipt.js';
export { password } from './screens/password.js';
