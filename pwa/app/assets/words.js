// Generated from the server's words (models/words.go) by `go generate ./pwa`. Do not edit.

// LABELS names every code the server sends, by kind, in the order people see them.
export const LABELS = {
  level: {
    'township': '乡镇',
    'subdistrict': '街道',
    'community': '社区',
    'village': '村',
    'enterprise': '企事业单位',
    'sector': '界别',
  },
  roomRole: {
    'convener': '召集人',
    'member': '委员',
    'local_reviewer': '属地审核',
  },
  role: {
    'admin': '管理员',
    'reviewer': '审核人',
    'member': '委员',
  },
  body: {
    'county': '县政协党组',
    'local': '所在地党委（党组）',
  },
  channel: {
    'door_to_door': '入户走访',
    'forum': '群众座谈',
    'online': '网络征集',
  },
  opinion: {
    'new': '待筛选',
    'adopted': '已采纳',
    'dismissed': '未采纳',
  },
  topic: {
    'draft': '草稿',
    'in_review': '审核中',
    'returned': '退回修改',
    'approved': '已通过',
    'rejected': '未通过',
    'planned': '已制定方案',
    'consulted': '已协商',
    'concluded': '已形成成果',
    'closed': '已办结',
  },
  source: {
    'collected': '收集筛选',
    'recommended': '委员推荐',
    'assigned': '上级交办',
  },
  decision: {
    'approve': '同意',
    'return': '退回修改',
    'reject': '不予通过',
  },
  rec: {
    'pending': '待办理',
    'in_progress': '办理中',
    'done': '已办结',
    'not_adopted': '未采纳',
  },
  kind: {
    'visit': '走访',
    'forum': '座谈',
    'research': '调研',
    'consultation': '协商会',
    'training': '培训',
  },
  photoLabel: {
    'before': '整改前',
    'after': '整改后',
  },
  auditAction: {
    'auth.sign_in': '登录',
    'auth.sign_in_failed': '登录失败',
    'user.create': '新建用户',
    'user.update': '修改用户',
    'user.disable': '停用用户',
    'user.import': '批量导入用户',
    'setup.first_admin': '首次设置管理员',
    'room.create': '新建议事室',
    'room.update': '修改议事室',
    'membership.set': '设置成员',
    'membership.remove': '移除成员',
    'category.create': '新增分类',
    'announcement.create': '发布公告',
    'export': '导出',
    'opinion.contact_read': '查看群众联系方式',
    'retention.residents_erased': '清除群众个人信息',
    'retention.audit_pruned': '清理过期审计日志',
    'credit_rules.update': '修改积分规则',
    'credit_rules.rescore': '重算年度积分',
    'unit_link.issue': '发放承办单位答复链接',
    'unit_link.revoke': '收回承办单位答复链接',
  },
  auditKind: {
    'user': '用户',
    'room': '议事室',
    'category': '分类',
    'announcement': '公告',
    'export': '台账',
    'opinion': '民意',
    'credit_rules': '积分规则',
    'recommendation': '意见建议',
  },
  attendance: {
    'present': '出席',
    'leave': '请假',
    'absent': '缺席',
    'invited': '待签到',
  },
  via: {
    'qr': '扫码签到',
    'convener': '召集人登记',
    'member': '本人请假',
  },
  push: {
    'review.decided': '审核结果',
    'topic.status_changed': '议题进展',
    'topic.submitted': '待审核议题',
    'opinion.adopted': '民意被采纳',
    'announcement': '通知公告',
    'plan.published': '工作方案发布',
    'recommendation.overdue': '意见建议逾期',
    'topic.closed': '议题办结',
    'activity.invited': '活动邀请',
    'activity.reminder': '活动提醒',
    'activity.leave': '请假',
    'recommendation.unit_replied': '承办单位答复',
    'rating.unsatisfied': '群众不满意',
  },
  credit: {
    'opinion_collected': '收集民意',
    'opinion_adopted': '民意被采纳',
    'topic_led': '牵头议题',
    'research_attended': '参加调研',
    'meeting_attended': '参加协商会',
    'activity_attended': '参加活动',
    'recommendation_done': '建议办结',
  },
  creditSource: {
    'opinion': '民意',
    'topic': '议题',
    'activity': '活动',
    'recommendation': '意见建议',
  },
  topicPart: {
    'lead': '牵头',
    'participant': '参加',
    'contributor': '提供民意',
  },
  topicAction: {
    'create': '起草',
    'edit': '修改',
    'submit': '提交审核',
    'approve_one': '一方同意',
    'approve_both': '双方同意',
    'reject': '不予通过',
    'return': '退回修改',
    'plan': '制定工作方案',
    'meet': '召开协商会',
    'conclude': '形成协商成果',
    'close': '办结',
  },
  receiptStep: {
    'received': '意见已收到',
    'in_topic': '纳入协商议题',
    'approved': '议题通过审核',
    'researched': '开展调研',
    'consulted': '召开协商会',
    'recommendations': '形成意见建议，交有关单位办理',
    'closed': '办结',
  },
  unitReply: {
    'accepted': '已接收，将办理',
    'in_progress': '正在办理',
    'done': '已办结',
    'rejected': '无法采纳',
  },
  rating: {
    'satisfied': '满意',
    'basically_satisfied': '基本满意',
    'unsatisfied': '不满意',
  },
};

// EVENT_TYPES are the notices the event stream sends; RESYNC tells the app to reload.
export const EVENT_TYPES = ['review.decided', 'topic.status_changed', 'topic.submitted', 'opinion.adopted', 'announcement', 'plan.published', 'recommendation.overdue', 'topic.closed', 'activity.invited', 'activity.reminder', 'activity.leave', 'recommendation.unit_replied', 'rating.unsatisfied'];
export const RESYNC = 'resync';

// DEFAULT_CATEGORIES is the starting list of opinion categories.
export const DEFAULT_CATEGORIES = ['环境卫生', '交通出行', '营商环境', '产业发展', '项目建设', '城市更新', '乡村振兴', '医疗卫生', '教育', '社会保障', '其他'];

// PUBLIC_TOPIC_STATUSES are the statuses in which a topic shows on a receipt.
export const PUBLIC_TOPIC_STATUSES = ['approved', 'planned', 'consulted', 'concluded', 'closed'];

// LIMITS are the longest texts the server accepts, in characters.
export const LIMITS = {
  user_name: 50,
  sector: 50,
  unit: 100,
  room_name: 100,
  address: 200,
  rules: 20000,
  category: 20,
  opinion_content: 5000,
  resident_name: 50,
  dismiss_reason: 500,
  topic_title: 100,
  topic_description: 20000,
  review_comment: 5000,
  plan_theme: 200,
  plan_lead: 100,
  plan_text: 20000,
  schedule_item: 500,
  guest_name: 50,
  guest_unit: 100,
  place: 200,
  summary: 50000,
  attendee: 100,
  consensus: 50000,
  rec_content: 5000,
  rec_unit: 100,
  rec_contact: 100,
  progress_note: 5000,
  progress_reason: 5000,
  announcement_title: 100,
  announcement_body: 5000,
  attendance_reason: 500,
  rating_comment: 500,
};

// Phone numbers the server accepts: a member's and a resident's.
export const MEMBER_PHONE = new RegExp('^1[3-9][0-9]{9}$');
export const RESIDENT_PHONE = new RegExp('^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$');

// Years a date may fall in.
export const MIN_YEAR = 2000;
export const MAX_YEAR = 2100;

// Characters text must not carry; multi-line text may hold line feeds and tabs.
export const FORBIDDEN = new RegExp("[\\u{0}-\\u{1f}\\u{7f}-\\u{9f}\\u{2028}-\\u{2029}\\u{202a}-\\u{202e}\\u{2066}-\\u{2069}]", 'u');
export const FORBIDDEN_MULTILINE = new RegExp("[\\u{0}-\\u{8}\\u{b}-\\u{1f}\\u{7f}-\\u{9f}\\u{2028}-\\u{2029}\\u{202a}-\\u{202e}\\u{2066}-\\u{2069}]", 'u');

// textProblem says why text would be refused (too long, or a character it must not hold),
// or '' when the server takes it.
export function textProblem(text, max, multiline = false) {
  const t = String(text || '');
  if (max && [...t].length > max) return '最多 ' + max + ' 个字';
  if ((multiline ? FORBIDDEN_MULTILINE : FORBIDDEN).test(t)) return multiline ? '不能含有控制字符' : '只能写一行，不能含有控制字符';
  return '';
}

// yearOK tells whether a Date falls in the years the server accepts.
export function yearOK(d) {
  const y = d.getUTCFullYear();
  return y >= MIN_YEAR && y <= MAX_YEAR;
}
