// Any failure in words a member understands, for forms and for the outbox's list of what
// could not be sent: the one table of messages. No page state here: the service worker
// uses it too.

import { NetworkError, AuthError } from './auth.js';

// FIELD_NAMES are the Chinese labels of the fields the API may name in a 422. A field not
// here is not shown by its code: the message then says only that something was wrong.
const FIELD_NAMES = {
  phone: '手机号', password: '密码', old_password: '当前密码', new_password: '新密码', name: '姓名', role: '角色', review_body: '审核单位', title: '标题',
  description: '说明', content: '内容', category: '类别', channel: '渠道', room_id: '议事室', level: '层级',
  resident_name: '居民姓名', resident_phone: '居民电话', resident_consent: '居民同意', comment: '意见',
  decision: '决定', source: '来源', address: '地址', held_at: '时间', place: '地点', summary: '内容', kind: '类型',
  attendees: '参加人员', photo_ids: '照片', theme: '方案主题', lead: '牵头人', schedule: '时间安排', participants: '参加人员',
  consensus: '协商共识', recommendations: '意见建议', note: '进展说明', reason: '原因', status: '状态',
  collected_at: '收集时间', lat: '位置', lng: '位置', id: '编号', opinion_ids: '民意', topic_id: '议题', unit: '责任单位',
  due_on: '完成期限', user_ids: '参加委员', sector: '界别', token: '设置链接', file: '照片', rules: '议事规则', has_door_plate: '门牌',
};

// MESSAGES says what each answer of the server means. Where an item kept in the outbox
// needs other words than a form (the member is no longer in the opinion's room), the
// outbox's words stand beside the form's.
const MESSAGES = {
  400: { any: '请求格式有误。' },
  401: { any: '手机号或密码不正确。' },
  403: { any: '你没有权限执行此操作。', opinion: '你不是该议事室的成员，不能提交这条民意。' },
  404: { any: '内容不存在，或你无权查看。' },
  409: { any: '状态已经变化，请刷新后再试。', opinion: '编号冲突：这条民意与已提交的内容重复。' },
  413: { any: '文件太大。', opinion: '照片太大。' },
  415: { any: '文件类型不支持。', opinion: '照片格式不支持。' },
  429: { any: '操作太频繁，请稍后再试。' },
  500: { any: '服务器暂时不可用，请稍后再试。' },
};

const QUOTA = '手机存储空间不足，请清理手机空间后再试。';

// errorText turns any failure into one sentence for the screen. what says where it
// happened: 'opinion' or 'record' for an item of the outbox, nothing for a form.
export function errorText(e, what) {
  if (e instanceof NetworkError) return '网络不可用，请联网后重试。';
  if (e instanceof AuthError) return '登录已失效，请重新登录。';
  if (e && (e.name === 'QuotaExceededError' || e.code === 22)) return QUOTA;
  const s = e && e.status;
  if (s === 422) {
    const names = e.fields ? [...new Set(Object.keys(e.fields).map((f) => FIELD_NAMES[f]).filter(Boolean))] : [];
    return '填写有误' + (names.length ? '：' + names.join('、') : '') + '。';
  }
  const row = MESSAGES[s >= 500 ? 500 : s];
  if (!row) return '操作失败，请稍后再试。';
  return (what && row[what]) || row.any;
}
