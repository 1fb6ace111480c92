// Any failure in words a member understands, for forms and for the outbox's list of what
// could not be sent. No page state here: the service worker uses it too.

import { NetworkError, AuthError } from './auth.js';

const FIELD_NAMES = {
  phone: '手机号', password: '密码', old_password: '当前密码', new_password: '新密码', name: '姓名', role: '角色', review_body: '审核单位', title: '标题',
  description: '说明', content: '内容', category: '类别', channel: '渠道', room_id: '议事室', level: '层级',
  resident_name: '居民姓名', resident_phone: '居民电话', resident_consent: '居民同意', comment: '意见',
  decision: '决定', source: '来源', address: '地址', held_at: '时间', place: '地点', summary: '内容', kind: '类型',
  attendees: '参加人员', photo_ids: '照片', theme: '方案主题', lead: '牵头人', schedule: '时间安排', participants: '参加人员',
  consensus: '协商共识', recommendations: '意见建议', note: '进展说明', reason: '原因', status: '状态',
};

// errorText turns any failure into one sentence for the screen.
export function errorText(e) {
  if (e instanceof NetworkError) return '网络不可用，请联网后重试。';
  if (e instanceof AuthError) return '登录已失效，请重新登录。';
  const s = e && e.status;
  if (s === 400) return '请求格式有误。';
  if (s === 401) return '手机号或密码不正确。';
  if (s === 403) return '你没有权限执行此操作。';
  if (s === 404) return '内容不存在，或你无权查看。';
  if (s === 409) return '状态已经变化，请刷新后再试。';
  if (s === 413) return '文件太大。';
  if (s === 415) return '文件类型不支持。';
  if (s === 422) {
    const names = e.fields ? Object.keys(e.fields).map((f) => FIELD_NAMES[f] || f) : [];
    return '填写有误' + (names.length ? '：' + names.join('、') : '') + '。';
  }
  if (s === 429) return '操作太频繁，请稍后再试。';
  if (s >= 500) return '服务器暂时不可用，请稍后再试。';
  return '操作失败。';
}
